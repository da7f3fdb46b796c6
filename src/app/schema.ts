import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { isObjectType, lexicographicSortSchema, parse, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, getMetadataStorage } from 'type-graphql';
import { guardEntities } from '../shared/entities';
import { useDirectResolvers } from '../shared/field-resolvers';
import type { ComplexityMap, FieldCosts } from '../shared/limits.plugin';
import type { StatementCost } from '../shared/statement-costs';
import { withRouterDirectives } from './directives';
import { MODULES } from './modules';

export const RESOLVERS = MODULES.flatMap((module) => module.resolvers);

/**
 * Federation 2.9: `@authenticated` / `@requiresScopes` (2.5) and `@cost` / `@listSize` (2.9) for
 * the router's authorization and demand control (src/app/directives.ts).
 */
const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@tag", "@inaccessible", "@authenticated", "@requiresScopes", "@cost", "@listSize"])\n\n';

/**
 * The type-graphql schema: resolvers, validation (class-validator) and field complexity. Sorted
 * by name, so that where a field's resolver lives (which feature, which file loads first) never
 * moves it in the SDL.
 */
export async function buildApiSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: RESOLVERS as [Function, ...Function[]],
    validate: { forbidUnknownValues: false },
    // Every subscription supplies its own `subscribe` (the event hub); type-graphql still asks
    // for a PubSub, which is never used for topics.
    pubSub: {
      publish() {
        throw new Error('Topics are not used: publish changes through the change log.');
      },
      subscribe() {
        throw new Error('Topics are not used: subscriptions read the change log.');
      },
    },
    skipCheck: false,
  });
  return lexicographicSortSchema(schema);
}

function complexityMap(schema: GraphQLSchema): ComplexityMap {
  const map: ComplexityMap = new Map();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const complexity = field.extensions?.complexity;
      if (complexity !== undefined) map.set(`${type.name}.${field.name}`, complexity);
    }
  }
  return map;
}

export interface BuiltSchema {
  /** The executable Federation v2 subgraph schema served by the server. */
  schema: GraphQLSchema;
  /** The SDL with federation directives (what `_service { sdl }` returns). */
  subgraphSdl: string;
  /** The plain API schema, as clients see it. */
  apiSdl: string;
  /** What fields cost: complexity (rows) from the type-graphql schema, statements from the features. */
  costs: FieldCosts;
}

/** The features' reference resolvers, as `__resolveReference` of their entity types. */
function referenceResolvers(): GraphQLResolverMap<unknown> {
  const references: GraphQLResolverMap<unknown> = {};
  for (const module of MODULES) {
    for (const [type, resolve] of Object.entries(module.references ?? {})) {
      // Async, so a bad key is that representation's error, never a throw out of the whole batch;
      // the load is still queued synchronously, with the rest of the batch.
      references[type] = { __resolveReference: async (ref: unknown, ctx: unknown) => resolve(ref, ctx as never) };
    }
  }
  return references;
}

/**
 * Builds the type-graphql schema, then re-builds it as a Federation v2 subgraph from its SDL.
 * Entities resolve references through the request's DataLoaders. Rebuilding from SDL drops
 * field extensions, so complexity costs are carried over in a map.
 */
export async function buildFederatedSchema(): Promise<BuiltSchema> {
  const apiSchema = await buildApiSchema();
  const statements = new Map<string, StatementCost>(MODULES.flatMap((module) => Object.entries(module.statementCosts ?? {})));
  const costs: FieldCosts = { complexity: complexityMap(apiSchema), statements };
  const subgraphSdl = FEDERATION_LINK + withRouterDirectives(printSchemaWithDirectives(apiSchema), apiSchema, costs);
  const resolvers = createResolversMap(apiSchema) as GraphQLResolverMap<unknown>;
  // Thousands of fields per response: plain fields and field resolvers skip type-graphql's generic wrappers.
  useDirectResolvers(resolvers, RESOLVERS);
  // type-graphql wraps an interface's resolveType in an async function; graphql-jit needs the type
  // at once, so the interfaces' own (synchronous) resolveType is used as it is.
  for (const { name, resolveType } of getMetadataStorage().interfaceTypes) {
    const entry = resolvers[name] as { __resolveType?: unknown } | undefined;
    if (resolveType && entry) entry.__resolveType = resolveType;
  }
  for (const [type, fields] of Object.entries(referenceResolvers())) {
    resolvers[type] = { ...(resolvers[type] as object), ...(fields as object) };
  }
  // A subscription's event is already the field's value: skip type-graphql's per-event argument
  // conversion and validation (its `subscribe` has checked the arguments once).
  for (const field of Object.values((resolvers.Subscription ?? {}) as Record<string, { resolve?: unknown }>)) {
    field.resolve = (event: unknown) => event;
  }
  const schema = buildSubgraphSchema({ typeDefs: parse(subgraphSdl), resolvers });
  // Each representation is checked on its own: a bad one is BAD_USER_INPUT at its index.
  guardEntities(schema);
  return { schema, subgraphSdl, apiSdl: printSchema(apiSchema), costs };
}

let served: Promise<BuiltSchema> | undefined;

/**
 * The schema a server serves, built once per process: it is a pure function of the features'
 * resolvers, and nothing a server does changes it (each server keeps its own graphql-jit cache,
 * Apollo and context). A process that starts several servers (the test suite, a file that tests
 * a setting on a second server) builds it once instead of 0.5 s of CPU each time. A failed build
 * is not kept.
 */
export function servedSchema(): Promise<BuiltSchema> {
  served ??= buildFederatedSchema().catch((error: unknown) => {
    served = undefined;
    throw error;
  });
  return served;
}
