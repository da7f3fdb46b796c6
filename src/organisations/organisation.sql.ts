import { selectList, TIMESTAMP_FIELDS } from '../shared/sql';

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
/**
 * What the plain fields of Organisation read from its row (see propertiesFor). Only these: any
 * other field (a relation, a figure, a field another feature adds) makes a read carry every
 * column, so a new field costs time, never a wrong answer.
 */
export const ORGANISATION_FIELD_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  id: [],
  name: ['name'],
  shortName: ['shortName'],
  kind: ['kind'],
  version: ['version'],
};

/** `o.…` columns of an organisation row. */
export const ORGANISATION_SELECT = selectList('o', ORGANISATION_COLUMNS);
/** The same without timestamps, for reads whose selection does not show them. */
export const ORGANISATION_SELECT_UNTIMED = selectList('o', ORGANISATION_COLUMNS, TIMESTAMP_FIELDS);

/** Ids of the ancestors of an organisation, root first, read from its materialised path. */
export function ancestorIds(path: string): string[] {
  return path.split('/').filter(Boolean).slice(0, -1);
}
