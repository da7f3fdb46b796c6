import { transcode } from 'node:buffer';
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

/** Below this many UTF-16 units, Buffer.from's encoder is as quick as any. */
const LONG_TEXT = 2048;

/**
 * `text` as UTF-8 bytes, the same bytes as Buffer.from(text). A long text (a response body) goes
 * through ICU's converter over its UTF-16 code units, several times quicker than V8's encoder,
 * which measures the text in one pass and writes it in another (`npm run bench:codecs`). ICU
 * refuses a lone surrogate, which Buffer.from writes as U+FFFD: that text takes Buffer.from's way.
 */
export function utf8Bytes(text: string): Buffer {
  if (text.length < LONG_TEXT) return Buffer.from(text, 'utf8');
  try {
    return transcode(Buffer.from(text, 'utf16le'), 'utf16le', 'utf8');
  } catch {
    return Buffer.from(text, 'utf8');
  }
}
