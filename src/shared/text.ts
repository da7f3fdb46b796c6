/**
 * Folds Vietnamese (and any Latin) text for accent-insensitive search: lower case, combining
 * marks removed, and đ/Đ mapped to d (Unicode does not decompose them). Whitespace collapsed.
 */
export function normaliseText(input: string): string {
  return input
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** Escapes LIKE wildcards so user text matches literally. */
export function escapeLike(input: string): string {
  return input.replace(/[\\%_]/g, (c) => `\\${c}`);
}
