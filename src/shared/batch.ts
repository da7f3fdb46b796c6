/**
 * DataLoader batch results must come back one per key, in key order. Keys are ids (UUIDs,
 * compared case-insensitively, as PostgreSQL does) or codes. A key that is not a string (say, a
 * number in an `_entities` representation) matches nothing: it must never fail the whole batch.
 */
export function oneByKey<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): Array<T | null> {
  const byKey = new Map(rows.map((row) => [keyOf(row).toLowerCase(), row]));
  return keys.map((key) => (typeof key === 'string' ? (byKey.get(key.toLowerCase()) ?? null) : null));
}

/** Like oneByKey, for one-to-many: every key gets its rows (in row order), or an empty list. */
export function manyByKey<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const byKey = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row).toLowerCase();
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return keys.map((key) => (typeof key === 'string' ? (byKey.get(key.toLowerCase()) ?? []) : []));
}
