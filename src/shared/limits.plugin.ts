import type { ApolloServerPlugin } from '@apollo/server';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getIntrospectionQuery,
  getNamedType,
  getOperationAST,
  isObjectType,
  isInterfaceType,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { BadUserInputError, QueryTooComplexError, ServerBusyError } from './errors';
import type { ExpensiveGate } from './expensive-gate';
import type { StatementCost } from './statement-costs';

/** The largest request body (HTTP) or WebSocket message the server reads. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** Lexical tokens one document may hold (graphql-js's `maxTokens`), over HTTP and WebSocket alike. */
export const MAX_DOCUMENT_TOKENS = 20_000;

/** Complexity functions keyed by `Type.field`, taken from the type-graphql schema's field extensions. */
export type ComplexityMap = Map<string, unknown>;

/** What the fields of a schema cost: rows (complexity, by page size) and statements of their own. */
export interface FieldCosts {
  complexity: ComplexityMap;
  /** `Type.field` → its statements' cost, per occurrence (see statement-costs.ts). */
  statements: ReadonlyMap<string, StatementCost>;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return fragments;
}

function operationsOf(document: DocumentNode, operationName?: string | null): OperationDefinitionNode[] {
  return document.definitions.filter(
    (def): def is OperationDefinitionNode => def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName),
  );
}

/** Depths of an operation: of its API fields, and of its introspection (`__schema`, `__type`) fields. */
export interface OperationDepths {
  /** The deepest path of fields that are not introspection (`__typename` adds nothing). */
  depth: number;
  /** The deepest path under `__schema` / `__type`, counting every field (`ofType` too). */
  introspectionDepth: number;
}

/**
 * Depth of the deepest field path of an operation, following fragments, split into API paths and
 * introspection paths (those start at `__schema` / `__type`, which exist only on the root). Each
 * fragment's depth is worked out once (validation has refused fragment cycles; a cycle met here
 * anyway counts as 0), so fragments spread many times cost nothing extra.
 */
export function operationDepths(document: DocumentNode, operationName?: string | null): OperationDepths {
  const fragments = fragmentsOf(document);
  const fragmentDepth = new Map<string, number>();
  const depthOf = (set: SelectionSetNode | undefined): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === '__typename') continue;
        max = Math.max(max, 1 + depthOf(sel.selectionSet));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(sel.selectionSet));
      } else {
        const name = sel.name.value;
        let known = fragmentDepth.get(name);
        if (known === undefined) {
          fragmentDepth.set(name, 0); // in progress: a cycle adds nothing
          known = depthOf(fragments.get(name)?.selectionSet);
          fragmentDepth.set(name, known);
        }
        max = Math.max(max, known);
      }
    }
    return max;
  };
  // Root selections, through root fragments, split into introspection and API fields.
  const result: OperationDepths = { depth: 0, introspectionDepth: 0 };
  const visitRoot = (set: SelectionSetNode | undefined, seen: Set<string>): void => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === '__typename') continue;
        const d = 1 + depthOf(sel.selectionSet);
        if (sel.name.value.startsWith('__')) result.introspectionDepth = Math.max(result.introspectionDepth, d);
        else result.depth = Math.max(result.depth, d);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visitRoot(sel.selectionSet, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        visitRoot(fragments.get(sel.name.value)?.selectionSet, seen);
      }
    }
  };
  for (const def of operationsOf(document, operationName)) visitRoot(def.selectionSet, new Set());
  return result;
}

/**
 * The depth allowed to introspection paths (`__schema { types { fields { type { ofType … } } } }`),
 * whatever MAX_QUERY_DEPTH says: that of graphql-js's standard introspection query with every
 * option on (15 with graphql 16: GraphiQL and codegen tools send it), plus 5 levels for tools that
 * unwrap a few more `ofType`s. Enough for every real client, while a 1,000-deep `ofType` chain
 * (over a second of graphql-jit compilation each) is refused before it is compiled.
 */
export const STANDARD_INTROSPECTION_DEPTH = operationDepths(
  parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  ),
).introspectionDepth;
export const MAX_INTROSPECTION_DEPTH = STANDARD_INTROSPECTION_DEPTH + 5;

/**
 * Aliased fields of an operation, counted wherever they are reached (a fragment spread N times
 * counts N times; each fragment is counted once and multiplied). Every alias can make the server
 * run its field again, so their number is capped however cheap each one looks.
 */
export function aliasCount(document: DocumentNode, operationName?: string | null): number {
  const fragments = fragmentsOf(document);
  const perFragment = new Map<string, number>();
  const count = (set: SelectionSetNode | undefined): number => {
    let n = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) n += (sel.alias && sel.alias.value !== sel.name.value ? 1 : 0) + count(sel.selectionSet);
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet);
      else {
        const name = sel.name.value;
        let known = perFragment.get(name);
        if (known === undefined) {
          perFragment.set(name, 0);
          known = count(fragments.get(name)?.selectionSet);
          perFragment.set(name, known);
        }
        n += known;
      }
    }
    return n;
  };
  return operationsOf(document, operationName).reduce((n, def) => n + count(def.selectionSet), 0);
}

/**
 * What the operation's fields cost in SQL statements, apart from the rows they return: every
 * occurrence of a field listed in STATEMENT_COSTS (through fragments, per spread) adds its cost
 * once, not multiplied by the parents' page sizes, because nested lists and lookups are batched
 * per place in the document (one statement for all parents), while each alias of such a field runs
 * its own.
 */
export function statementCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  costs: ReadonlyMap<string, StatementCost>,
): number {
  const fragments = fragmentsOf(document);
  const perFragment = new Map<string, number>();
  const costOf = (set: SelectionSetNode | undefined, type: GraphQLNamedType | null | undefined): number => {
    if (!set || !type) return 0;
    let n = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!isObjectType(type) && !isInterfaceType(type)) continue;
        const field = type.getFields()[sel.name.value];
        if (!field) continue;
        const cost = costs.get(`${type.name}.${field.name}`) ?? 0;
        let own: number;
        if (typeof cost === 'number') own = cost;
        else {
          try {
            own = cost(getArgumentValues(field, sel, variables ?? {}));
          } catch {
            own = cost({}); // arguments that do not coerce are refused by execution anyway
          }
        }
        n += own + costOf(sel.selectionSet, getNamedType(field.type));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        n += costOf(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type);
      } else {
        const name = sel.name.value;
        let known = perFragment.get(name);
        if (known === undefined) {
          perFragment.set(name, 0);
          const fragment = fragments.get(name);
          known = fragment ? costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value)) : 0;
          perFragment.set(name, known);
        }
        n += known;
      }
    }
    return n;
  };
  return operationsOf(document, operationName).reduce((n, def) => n + costOf(def.selectionSet, schema.getRootType(def.operation)), 0);
}

/** Root fields of the chosen mutation operation (0 for queries), counting through fragments. */
export function mutationFieldCount(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const count = (set: SelectionSetNode | undefined, seen: Set<string>): number =>
    (set?.selections ?? []).reduce((n, sel) => {
      if (sel.kind === Kind.FIELD) return n + (sel.name.value.startsWith('__') ? 0 : 1);
      if (sel.kind === Kind.INLINE_FRAGMENT) return n + count(sel.selectionSet, seen);
      if (seen.has(sel.name.value)) return n;
      return n + count(fragments.get(sel.name.value)?.selectionSet, new Set(seen).add(sel.name.value));
    }, 0);
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = operations.find((d) => !operationName || d.name?.value === operationName);
  return chosen && chosen.operation === 'mutation' ? count(chosen.selectionSet, new Set()) : 0;
}

/** Limits on one operation; costs come from the complexity map (connections cost page size × item cost). */
export interface Limits {
  maxDepth: number;
  maxComplexity: number;
  maxPageSize: number;
  maxMutations: number;
  /** Aliased fields one operation may carry (through fragments). */
  maxAliases: number;
}

/**
 * The checks every operation passes before execution (before graphql-jit compiles it), over HTTP
 * and WebSocket alike: mutation count, aliases, depth (API and introspection paths), then cost
 * (rows by page size, plus statements per field occurrence). Throws the refusal.
 */
export function operationLimits(costs: FieldCosts, { maxDepth, maxComplexity, maxPageSize, maxMutations, maxAliases }: Limits) {
  // A page size over the cap is refused by the resolver with a precise BAD_USER_INPUT, so the
  // cost estimate counts it at the cap instead of calling the query too complex.
  const clamp = (v: unknown) => (typeof v === 'number' ? Math.min(Math.max(v, 0), maxPageSize) : v);
  const fromMap: ComplexityEstimator = (options) => {
    const cost = costs.complexity.get(`${options.type.name}.${options.field.name}`);
    if (typeof cost === 'number') return cost + options.childComplexity;
    if (typeof cost === 'function') {
      const args = { ...options.args, first: clamp(options.args.first), last: clamp(options.args.last) };
      return (cost as ComplexityEstimator)({ ...options, args }) ?? undefined;
    }
    return undefined;
  };
  return (
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
  ): number => {
    // No such operation: nothing will run, and the transport refuses it with its own 400.
    if (!getOperationAST(document, operationName)) return 0;
    const mutations = mutationFieldCount(document, operationName);
    if (mutations > maxMutations) {
      throw new QueryTooComplexError(`This request carries ${mutations} mutations; the limit is ${maxMutations}. Send them in several requests.`, {
        mutations,
        maxMutations,
      });
    }
    const aliases = aliasCount(document, operationName);
    if (aliases > maxAliases) {
      throw new QueryTooComplexError(`This query carries ${aliases} aliased fields; the limit is ${maxAliases}. Send fewer aliases, or split the query.`, {
        aliases,
        maxAliases,
      });
    }
    const { depth, introspectionDepth } = operationDepths(document, operationName);
    if (depth > maxDepth) {
      throw new QueryTooComplexError(`This query nests ${depth} levels deep; the limit is ${maxDepth}. Split it into smaller queries.`, { depth, maxDepth });
    }
    if (introspectionDepth > MAX_INTROSPECTION_DEPTH) {
      throw new QueryTooComplexError(
        `This introspection query nests ${introspectionDepth} levels deep; the limit is ${MAX_INTROSPECTION_DEPTH} (the standard introspection query's depth).`,
        { depth: introspectionDepth, maxDepth: MAX_INTROSPECTION_DEPTH },
      );
    }
    let complexity: number;
    try {
      complexity = getComplexity({
        schema,
        query: document,
        operationName: operationName ?? undefined,
        variables: variables ?? {},
        estimators: [fromMap, simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch (error) {
      // Variables that do not fit their types: the same refusal execution would give.
      if (error instanceof GraphQLError) throw new BadUserInputError(error.message, { http: { status: 400 } });
      throw error;
    }
    // What the fields cost in statements of their own, once per occurrence (statement-costs.ts).
    complexity += statementCost(schema, document, operationName, variables, costs.statements);
    if (complexity > maxComplexity) {
      throw new QueryTooComplexError(
        `This query could cost ${complexity} (page sizes multiply down nested lists); the limit is ${maxComplexity}. Ask for smaller pages or fewer nested lists.`,
        { complexity, maxComplexity },
      );
    }
    return complexity;
  };
}

/** Operations that cost more than `threshold` run only when `gate` gives them a turn. */
export interface ExpensiveAdmission {
  threshold: number;
  gate: ExpensiveGate;
  /** The retry hint given with a refusal. */
  retryAfterSeconds: number;
}

/**
 * Refuses operations over the limits before any resolver runs (see operationLimits); with
 * `admission`, an operation costing more than its threshold then waits for a turn, or is refused
 * with SERVICE_UNAVAILABLE (HTTP 503, Retry-After) when too many are running and waiting. The turn
 * is given back when the response is sent, whatever happened.
 */
export function limitsPlugin(fieldCosts: FieldCosts, limits: Limits, admission?: ExpensiveAdmission): ApolloServerPlugin {
  const check = operationLimits(fieldCosts, limits);
  // The cost of an accepted operation, per parsed document (Apollo hands out the same one for the
  // same text) and operation name + variables: a flood of one heavy document that is mostly
  // refused by the queue must not pay the whole walk again on every refusal.
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  const costOf = (
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): number => {
    const key = `${operationName ?? ''}\n${variables ? JSON.stringify(variables) : ''}`;
    // Large variables are not kept as keys: such requests pay the walk, never memory.
    if (key.length > 1_000) return check(schema, document, operationName, variables);
    let known = costs.get(document);
    const cost = known?.get(key);
    if (cost !== undefined) return cost;
    const computed = check(schema, document, operationName, variables);
    if (!known) costs.set(document, (known = new Map()));
    if (known.size >= 16) known.clear();
    known.set(key, computed);
    return computed;
  };
  return {
    async requestDidStart() {
      let release: (() => void) | null = null;
      return {
        async didResolveOperation({
          request,
          document,
          schema,
        }: {
          request: { variables?: Record<string, unknown>; operationName?: string | null };
          document: DocumentNode;
          schema: GraphQLSchema;
        }) {
          const cost = costOf(schema, document, request.operationName, request.variables);
          if (admission && cost > admission.threshold) {
            release = await admission.gate.acquire();
            if (!release) throw new ServerBusyError(cost, admission.retryAfterSeconds);
          }
        },
        async willSendResponse() {
          release?.();
          release = null;
        },
      };
    },
  };
}
