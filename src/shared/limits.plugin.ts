import type { ApolloServerPlugin } from '@apollo/server';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { GraphQLError, Kind, getOperationAST, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import type { ComplexityMap } from '../schema';
import { BadUserInputError, QueryTooComplexError } from './errors';

/** Depth of the deepest field path of an operation, following fragments. */
export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        max = Math.max(max, 1 + depthOf(sel.selectionSet, seen));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(sel.selectionSet, seen));
      } else if (!seen.has(sel.name.value)) {
        max = Math.max(max, depthOf(fragments.get(sel.name.value)?.selectionSet, new Set(seen).add(sel.name.value)));
      }
    }
    return max;
  };
  let deepest = 0;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && def.name?.value !== operationName) continue;
    deepest = Math.max(deepest, depthOf(def.selectionSet, new Set()));
  }
  return deepest;
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
}

/**
 * The checks every operation passes before execution, over HTTP and WebSocket alike: mutation
 * count, depth, then cost. Throws the refusal.
 */
export function operationLimits(schemaComplexity: ComplexityMap, { maxDepth, maxComplexity, maxPageSize, maxMutations }: Limits) {
  // A page size over the cap is refused by the resolver with a precise BAD_USER_INPUT, so the
  // cost estimate counts it at the cap instead of calling the query too complex.
  const clamp = (v: unknown) => (typeof v === 'number' ? Math.min(Math.max(v, 0), maxPageSize) : v);
  const fromMap: ComplexityEstimator = (options) => {
    const cost = schemaComplexity.get(`${options.type.name}.${options.field.name}`);
    if (typeof cost === 'number') return cost + options.childComplexity;
    if (typeof cost === 'function') {
      const args = { ...options.args, first: clamp(options.args.first), last: clamp(options.args.last) };
      return (cost as ComplexityEstimator)({ ...options, args }) ?? undefined;
    }
    return undefined;
  };
  return (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): void => {
    // No such operation: nothing will run, and the transport refuses it with its own 400.
    if (!getOperationAST(document, operationName)) return;
    const mutations = mutationFieldCount(document, operationName);
    if (mutations > maxMutations) {
      throw new QueryTooComplexError(`This request carries ${mutations} mutations; the limit is ${maxMutations}. Send them in several requests.`, { mutations, maxMutations });
    }
    const depth = operationDepth(document, operationName);
    if (depth > maxDepth) {
      throw new QueryTooComplexError(`This query nests ${depth} levels deep; the limit is ${maxDepth}. Split it into smaller queries.`, { depth, maxDepth });
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
    if (complexity > maxComplexity) {
      throw new QueryTooComplexError(
        `This query could cost ${complexity} (page sizes multiply down nested lists); the limit is ${maxComplexity}. Ask for smaller pages or fewer nested lists.`,
        { complexity, maxComplexity },
      );
    }
  };
}

/** Refuses operations over the limits before any resolver runs (see operationLimits). */
export function limitsPlugin(schemaComplexity: ComplexityMap, limits: Limits): ApolloServerPlugin {
  const check = operationLimits(schemaComplexity, limits);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema }: { request: { variables?: Record<string, unknown>; operationName?: string | null }; document: DocumentNode; schema: GraphQLSchema }) {
          check(schema, document, request.operationName, request.variables);
        },
      };
    },
  };
}
