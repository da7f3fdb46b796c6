/** Collects positional parameters while an SQL statement is assembled: `p.add(v)` returns `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `alias.column AS "property"` for each entry, so raw rows come back shaped like the entities. */
export function selectList(alias: string, columns: Record<string, string>, omit: readonly string[] = []): string {
  return Object.entries(columns)
    .filter(([property]) => !omit.includes(property))
    .map(([property, column]) => `${column.replace(/\{a\}/g, alias)} AS "${property}"`)
    .join(', ');
}

/** The same list for `RETURNING` of an INSERT or UPDATE, where columns are not qualified. */
export function returningList(columns: Record<string, string>): string {
  return Object.entries(columns)
    .map(([property, column]) => `${column.replace(/\{a\}\./g, '')} AS "${property}"`)
    .join(', ');
}

/** The timestamp fields of organisations and models: their rows are read without them unless asked. */
export const TIMESTAMP_FIELDS = ['createdAt', 'updatedAt', 'archivedAt'];
