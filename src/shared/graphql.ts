import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Actor } from './actor';
import { BadUserInputError, UnauthenticatedError } from './errors';
import { TIMESTAMP_FIELDS } from './sql';

/**
 * Whether the current field's selection asks for any of `names`, at the end of `path` (say
 * `['edges', 'node']` for the nodes of a connection), through fragments too. `@skip`/`@include`
 * are not evaluated: a field that may be asked for counts as asked.
 */
export function selectsAny(info: GraphQLResolveInfo, names: readonly string[], path: readonly string[] = []): boolean {
  // The answer depends only on the document, and every parent of a list asks it again: remembered
  // per `fieldNodes` (the same array for every parent at this place in the document).
  const key = `${path.join('.')}|${names.join(',')}`;
  let answers = selectionAnswers.get(info.fieldNodes);
  const known = answers?.get(key);
  if (known !== undefined) return known;
  const visit = (set: SelectionSetNode | undefined, depth: number): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet, depth);
      if (s.kind === Kind.FRAGMENT_SPREAD) return visit(info.fragments[s.name.value]?.selectionSet, depth);
      if (depth === path.length) return names.includes(s.name.value);
      return s.name.value === path[depth] && visit(s.selectionSet, depth + 1);
    });
  const answer = info.fieldNodes.some((node: FieldNode) => visit(node.selectionSet, 0));
  if (!answers) selectionAnswers.set(info.fieldNodes, (answers = new Map()));
  answers.set(key, answer);
  return answer;
}

const selectionAnswers = new WeakMap<readonly FieldNode[], Map<string, boolean>>();

/** Whether the current field's selection asks for `name` (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return selectsAny(info, [name]);
}

/**
 * Whether rows for this field must carry their timestamps: parsing them is a good part of the
 * cost of a large nested response that never shows them. `path` leads to the objects (`['edges',
 * 'node']` for a connection).
 */
export function selectsTimestamps(info: GraphQLResolveInfo, path: readonly string[] = []): boolean {
  return selectsAny(info, TIMESTAMP_FIELDS, path);
}

/** Every change needs a caller: anonymous writes are refused whatever the configuration. */
export function requireActor(ctx: { actor: Actor | null }): Actor {
  if (ctx.actor) return ctx.actor;
  throw new UnauthenticatedError(undefined, { reason: 'TOKEN_MISSING' });
}

/** The page size a connection's cost assumes when neither `first` nor `last` is given. */
export const ASSUMED_PAGE_SIZE = 20;

/** Cost of a connection field: the page size times the cost of one item (+1 for the field). */
export function connectionComplexity({ args, childComplexity }: ComplexityEstimatorArgs): number {
  const size = Number(args.first ?? args.last ?? ASSUMED_PAGE_SIZE) || 0;
  return 1 + Math.max(size, 1) * Math.max(childComplexity, 1);
}

/**
 * Cost of an unpaged list field whose length is bounded but unknown (e.g. lineage). The expected
 * length is kept on the function (`assumedSize`), so the subgraph SDL can say it in `@listSize`.
 */
export function listComplexity(expected: number) {
  const estimate = ({ childComplexity }: ComplexityEstimatorArgs): number => 1 + expected * Math.max(childComplexity, 1);
  return Object.assign(estimate, { assumedSize: expected });
}

/** How a connection field reads its page: with `totalCount` only when asked, with timestamps only when its nodes show them. */
export function pageOptions(info: GraphQLResolveInfo): { withCount: boolean; timestamps: boolean } {
  // Asked again by every parent of a nested list: remembered per place in the document.
  let options = pageOptionsAt.get(info.fieldNodes);
  if (!options) {
    options = { withCount: selectsField(info, 'totalCount'), timestamps: selectsTimestamps(info, ['edges', 'node']) };
    pageOptionsAt.set(info.fieldNodes, options);
  }
  return options;
}

const pageOptionsAt = new WeakMap<readonly FieldNode[], { withCount: boolean; timestamps: boolean }>();

/**
 * The names of the fields the current field's selection asks for at the end of `path` (through
 * fragments, whatever their type condition; `@skip`/`@include` not evaluated), sorted and without
 * repeats. Remembered per `fieldNodes` and path.
 */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[]): readonly string[] {
  const key = path.join('.');
  let known = fieldNamesAt.get(info.fieldNodes);
  const cached = known?.get(key);
  if (cached) return cached;
  const names = new Set<string>();
  forEachFieldAt(info, path, (field) => names.add(field.name.value));
  const answer = [...names].sort();
  if (!known) fieldNamesAt.set(info.fieldNodes, (known = new Map()));
  known.set(key, answer);
  return answer;
}

/** The fields named `name` that the current field's selection asks for at the end of `path`, in document order (through fragments, as selectedFieldNames). */
export function fieldNodesAt(info: GraphQLResolveInfo, path: readonly string[], name: string): FieldNode[] {
  const found: FieldNode[] = [];
  forEachFieldAt(info, path, (field) => {
    if (field.name.value === name) found.push(field);
  });
  return found;
}

/**
 * The fields the current field's selection holds at the end of `path` (through fragments, as
 * fieldNodesAt) that no `@skip` or `@include` can leave out on the way there: none on the current
 * field, the fields of `path` or the fragments between. Their own directives are theirs to check.
 */
export function undirectedFieldsAt(info: GraphQLResolveInfo, path: readonly string[]): FieldNode[] {
  const found: FieldNode[] = [];
  if (!info.fieldNodes.some((node) => node.directives?.length)) forEachFieldAt(info, path, (field) => found.push(field), true);
  return found;
}

/**
 * Calls `visit` with each field the current field's selection holds at the end of `path`, through
 * inline fragments and fragment spreads; with `undirected`, not through any of them (or a field of
 * `path`) that carries a directive.
 */
function forEachFieldAt(info: GraphQLResolveInfo, path: readonly string[], visit: (field: FieldNode) => void, undirected = false): void {
  const walk = (set: SelectionSetNode | undefined, depth: number, seen: ReadonlySet<string>): void => {
    for (const s of set?.selections ?? []) {
      const through = !undirected || !s.directives?.length;
      if (s.kind === Kind.INLINE_FRAGMENT) {
        if (through) walk(s.selectionSet, depth, seen);
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        // A fragment spread inside itself is refused by validation; `seen` keeps the walk finite anyway.
        if (through && !seen.has(s.name.value)) walk(info.fragments[s.name.value]?.selectionSet, depth, new Set([...seen, s.name.value]));
      } else if (depth === path.length) visit(s);
      else if (through && s.name.value === path[depth]) walk(s.selectionSet, depth + 1, seen);
    }
  };
  for (const node of info.fieldNodes) walk(node.selectionSet, 0, new Set());
}

const fieldNamesAt = new WeakMap<readonly FieldNode[], Map<string, readonly string[]>>();

/**
 * The entity properties a row must carry for the fields selected (`fields`): `needs` maps each
 * field to the properties it reads (a field resolver reading only the row's id maps to `[]`).
 * `id` is always among them. Null when a field is not in `needs`: then the row carries everything.
 */
export function propertiesFor(fields: readonly string[], needs: Readonly<Record<string, readonly string[]>>): string[] | null {
  const properties = new Set(['id']);
  for (const field of fields) {
    const read = Object.hasOwn(needs, field) ? needs[field] : undefined;
    if (!read) return null;
    for (const property of read) properties.add(property);
  }
  return [...properties];
}

/** Why the bare arguments of the first mutations are deprecated. */
export const BARE_ARGUMENTS_DEPRECATION = 'Pass `input` instead, as every other mutation does.';

/**
 * A mutation that takes `input` and, deprecated, the same fields as bare arguments: the one that
 * was sent. Both, or neither with a bare argument missing, is BAD_USER_INPUT.
 */
export function inputOrBareArguments<T extends object>(input: T | null | undefined, bare: { [K in keyof T]: T[K] | null | undefined }): T {
  const given = Object.entries(bare).filter(([, value]) => value != null);
  if (input) {
    if (given.length)
      throw new BadUserInputError(`Pass either \`input\` or the deprecated ${given.map(([k]) => `\`${k}\``).join(', ')}, not both.`, { argument: 'input' });
    return input;
  }
  const missing = Object.entries(bare).find(([, value]) => value == null);
  if (missing) throw new BadUserInputError(`\`input\` is required.`, { argument: 'input' });
  return bare as T;
}
