import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges, isInputObjectType, print, astFromValue, type GraphQLSchema } from 'graphql';

const ROOT = path.resolve(__dirname, '..', fs.existsSync(path.resolve(__dirname, '..', 'schema')) ? '' : '..');
export const SCHEMA_FILE = path.join(ROOT, 'schema', 'schema.graphql');
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
 * The schema clients have now: `schema/schema.graphql` at the base branch (SCHEMA_BASE_REF, else
 * origin/main, else main), or, when no such ref exists (a copy without history), the committed file.
 */
export function baseline(): { sdl: string; from: string } {
  const refs = [process.env.SCHEMA_BASE_REF, 'origin/main', 'main'].filter((r): r is string => !!r);
  for (const ref of refs) {
    try {
      const base = execFileSync('git', ['merge-base', 'HEAD', ref], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const sdl = execFileSync('git', ['show', `${base}:schema/schema.graphql`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return { sdl, from: `${ref} (${base.slice(0, 10)})` };
    } catch {
      // not this ref
    }
  }
  return { sdl: fs.readFileSync(SCHEMA_FILE, 'utf8'), from: 'schema/schema.graphql' };
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
