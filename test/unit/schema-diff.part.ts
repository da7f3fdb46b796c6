import 'reflect-metadata';
import { buildSchema } from 'graphql';
import { buildApiSchema } from '../../src/app/schema';
import { baselineSchema, declaredChanges, schemaChanges } from '../../scripts/schema-diff';

describe('schema changes against what clients have', () => {
  it('every breaking or dangerous change since the base schema is declared in schema/declared-changes.json', async () => {
    const { schema: before, from } = baselineSchema();
    const changes = schemaChanges(before, await buildApiSchema());
    const declared = declaredChanges();
    const known = new Set(declared.changes.map((d) => d.change));
    console.log(`[schema-diff] against ${from}: ${changes.length} change(s)\n${changes.map((c) => `  ${c.kind} ${c.change}`).join('\n') || '  none'}`);
    const stale = declared.changes.filter((d) => !changes.some((c) => c.change === d.change));
    if (stale.length) console.log(`[schema-diff] declared but not (or no longer) found:\n${stale.map((d) => `  ${d.change}`).join('\n')}`);
    expect(changes.filter((c) => !known.has(c.change))).toEqual([]);
    for (const d of declared.changes)
      expect({ change: d.change, reason: d.reason?.trim() ? 'given' : 'missing' }).toEqual({ change: d.change, reason: 'given' });
  });

  it('finds what it is meant to find: a removed field, a changed argument default and a changed input default', () => {
    const before = buildSchema(`type Query { a(x: Int = 1, f: F): Int b: Int } input F { d: Boolean = false }`);
    const after = buildSchema(`type Query { a(x: Int = 2, f: F): Int } input F { d: Boolean = true }`);
    expect(schemaChanges(before, after)).toEqual([
      { kind: 'DANGEROUS', change: 'ARG_DEFAULT_VALUE_CHANGE: Query.a arg x has changed defaultValue from 1 to 2.' },
      { kind: 'BREAKING', change: 'FIELD_REMOVED: Query.b was removed.' },
      { kind: 'DANGEROUS', change: 'INPUT_FIELD_DEFAULT_VALUE_CHANGE: F.d has changed defaultValue from false to true.' },
    ]);
  });
});
