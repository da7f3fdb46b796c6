import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { isObjectType, parse, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap } from 'type-graphql';
import type { Context } from './context';
import { ChangeResolver } from './events/change.resolver';
import { ModelOrganisationResolver, ModelResolver } from './models/model.resolver';
import { OrganisationResolver } from './organisations/organisation.resolver';
import { PeriodReportResolver, ReportingPeriodResolver } from './periods/period.resolver';
import { ModelGraphResolver, ReplicatedModelResolver, ReplicationGraphResolver } from './replications/graph.resolver';
import { ReplicationResolver } from './replications/replication.resolver';
import { guardEntities, referenceId } from './shared/entities';
import { useDirectResolvers } from './shared/field-resolvers';
import { SummaryResolver } from './summaries/summary.resolver';

export const RESOLVERS = [
  OrganisationResolver,
  ModelResolver,
  ModelOrganisationResolver,
  ReplicationResolver,
  ReportingPeriodResolver,
  PeriodReportResolver,
  ModelGraphResolver,
  ReplicatedModelResolver,
  ReplicationGraphResolver,
  SummaryResolver,
  ChangeResolver,
] as const;

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@tag", "@inaccessible"])\n\n';

/** The type-graphql schema: resolvers, validation (class-validator) and field complexity. */
export async function buildApiSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
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
    // Timestamps as ISO 8601 strings; the default would too, this keeps it explicit.
    skipCheck: false,
  });
}

/** Complexity functions keyed by `Type.field`, taken from the type-graphql schema's field extensions. */
export type ComplexityMap = Map<string, unknown>;

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
  complexity: ComplexityMap;
}

/**
 * Builds the type-graphql schema, then re-builds it as a Federation v2 subgraph from its SDL.
 * Entities resolve references through the request's DataLoaders. Rebuilding from SDL drops
 * field extensions, so complexity costs are carried over in a map.
 */
export async function buildFederatedSchema(): Promise<BuiltSchema> {
  const apiSchema = await buildApiSchema();
  const printed = printSchemaWithDirectives(apiSchema);
  const subgraphSdl = FEDERATION_LINK + printed;
  const resolvers = createResolversMap(apiSchema) as GraphQLResolverMap<unknown>;
  // Thousands of fields per response: plain fields and field resolvers skip type-graphql's generic wrappers.
  useDirectResolvers(resolvers, RESOLVERS);
  // Async, so a bad key is that representation's error, never a throw out of the whole batch;
  // the load is still queued synchronously, with the rest of the batch.
  const references: GraphQLResolverMap<unknown> = {
    Organisation: { __resolveReference: async (ref: unknown, ctx: unknown) => (ctx as Context).loaders.organisationById.load(referenceId(ref, 'Organisation')) },
    Model: { __resolveReference: async (ref: unknown, ctx: unknown) => (ctx as Context).loaders.modelById.load(referenceId(ref, 'Model')) },
    ReplicationLink: { __resolveReference: async (ref: unknown, ctx: unknown) => (ctx as Context).loaders.replicationLinkById.load(referenceId(ref, 'ReplicationLink')) },
  };
  for (const [type, fields] of Object.entries(references)) {
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
  return { schema, subgraphSdl, apiSdl: printSchema(apiSchema), complexity: complexityMap(apiSchema) };
}
