import type { SqlParams } from './sql';

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

/** `col LIKE %w1% AND col LIKE %w2% ...` over the folded words of a search text (trigram-indexed). */
export function searchCondition(column: string, search: string | null | undefined, params: SqlParams): string[] {
  if (!search) return [];
  const words = normaliseText(search).split(' ').filter(Boolean).slice(0, 10);
  return words.map((w) => `${column} LIKE ${params.add(`%${escapeLike(w)}%`)}`);
}
