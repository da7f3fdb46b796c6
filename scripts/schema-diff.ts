import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges, isInputObjectType, print, astFromValue, type GraphQLSchema } from 'graphql';

const ROOT = path.resolve(__dirname, '..', fs.existsSync(path.resolve(__dirname, '..', 'schema')) ? '' : '..');
export const RELEASED_FILE = path.join(ROOT, 'schema', 'released.graphql');
export const DECLARED_FILE = path.join(ROOT, 'schema', 'declared-changes.json');

export interface SchemaChange {
  kind: 'BREAKING' | 'DANGEROUS';
  /** `TYPE: description`, graphql-js's wording (one line, stable). */
  change: string;
}

export interface Declared {
  /** Schema changes clients may notice, each with why and what a client does about it. */
  changes: Array<{ change: string; reason: string }>;
  /** Changes of meaning the schema cannot show (documented here, not checked). */
  behaviour?: Array<{ change: string; reason: string }>;
}

/**
 * The schema clients have now: `schema/released.graphql`, the schema of the last release, checked
 * in. It does not move with the branch, so the check has something to find on main too: every
 * change since that release must be declared. When a release ships, copy schema/schema.graphql
 * over it and empty schema/declared-changes.json.
 */
export function baseline(): { sdl: string; from: string } {
  return { sdl: fs.readFileSync(RELEASED_FILE, 'utf8'), from: 'schema/released.graphql' };
}

/** Input fields whose default changed: graphql-js reports changed argument defaults only. */
function inputDefaultChanges(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  for (const type of Object.values(before.getTypeMap())) {
    const next = after.getType(type.name);
    if (!isInputObjectType(type) || !isInputObjectType(next)) continue;
    for (const field of Object.values(type.getFields())) {
      const now = next.getFields()[field.name];
      if (!now) continue;
      const shown = (f: typeof field) => (f.defaultValue === undefined ? 'none' : print(astFromValue(f.defaultValue, f.type)!));
      if (shown(field) !== shown(now)) {
        changes.push({
          kind: 'DANGEROUS',
          change: `INPUT_FIELD_DEFAULT_VALUE_CHANGE: ${type.name}.${field.name} has changed defaultValue from ${shown(field)} to ${shown(now)}.`,
        });
      }
    }
  }
  return changes;
}

/** Every breaking and dangerous change from `before` to `after`, sorted. */
export function schemaChanges(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  return [
    ...findBreakingChanges(before, after).map((c) => ({ kind: 'BREAKING' as const, change: `${c.type}: ${c.description}` })),
    ...findDangerousChanges(before, after).map((c) => ({ kind: 'DANGEROUS' as const, change: `${c.type}: ${c.description}` })),
    ...inputDefaultChanges(before, after),
  ].sort((a, b) => a.change.localeCompare(b.change));
}

export function baselineSchema(): { schema: GraphQLSchema; from: string } {
  const { sdl, from } = baseline();
  return { schema: buildSchema(sdl), from };
}

export function declaredChanges(): Declared {
  return fs.existsSync(DECLARED_FILE) ? (JSON.parse(fs.readFileSync(DECLARED_FILE, 'utf8')) as Declared) : { changes: [] };
}
