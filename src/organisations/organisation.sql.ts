import { escapeLike, normaliseText } from '../shared/text';
import type { SqlParams } from '../shared/sql';

/** Organisation columns as entity properties, for raw SELECTs. */
export const ORGANISATION_COLUMNS = {
  id: '{a}.id',
  name: '{a}.name',
  shortName: '{a}.short_name',
  kind: '{a}.kind',
  parentId: '{a}.parent_id',
  path: '{a}.path',
  archivedAt: '{a}.archived_at',
  createdAt: '{a}.created_at',
  updatedAt: '{a}.updated_at',
  version: '{a}.version',
};

/** Ids of the ancestors of an organisation, root first, read from its materialised path. */
export function ancestorIds(path: string): string[] {
  return path.split('/').filter(Boolean).slice(0, -1);
}

/** `col LIKE %w1% AND col LIKE %w2% ...` over the folded words of a search text (trigram-indexed). */
export function searchCondition(column: string, search: string | null | undefined, params: SqlParams): string[] {
  if (!search) return [];
  const words = normaliseText(search).split(' ').filter(Boolean).slice(0, 10);
  return words.map((w) => `${column} LIKE ${params.add(`%${escapeLike(w)}%`)}`);
}
