import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { requestScope } from '../db/request-scope';
import type { Config } from '../shared/config';
import type { ExpensiveGate } from '../shared/expensive-gate';
import type { JitGateway } from '../shared/jit-executor';
import { noIntrospectionRule } from '../shared/introspection';
import { limitsPlugin, type Limits } from '../shared/limits.plugin';
import { boundedStringify, formatError } from '../shared/responses';
import type { TrustedDocuments } from '../shared/trusted-documents';
import type { Context } from './context';
import { readRoutingPlugin } from './read-routing';
import { currentRequestId, requestLogPlugin } from './request-log';
import type { BuiltSchema } from './schema';

/** The limits every operation is held to, over HTTP and WebSocket alike. */
export function operationLimitsOf(config: Config): Limits {
  return {
    maxDepth: config.maxQueryDepth,
    maxComplexity: config.maxQueryComplexity,
    maxPageSize: config.maxPageSize,
    maxMutations: config.maxMutationsPerRequest,
    maxAliases: config.maxAliases,
  };
}

/** With SQL_STATS, each response's `extensions.sqlStatements`: the statements the request ran. */
function sqlStatsPlugin(config: Config): ApolloServerPlugin {
  // Without SQL_STATS, no hooks at all: nothing to allocate per request.
  if (!config.sqlStats) return {};
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const stats = requestScope.getStore();
          if (stats && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlStatements: stats.statements };
          }
        },
      };
    },
  };
}

export interface ApolloParts {
  config: Config;
  built: BuiltSchema;
  httpServer: http.Server;
  gateway: JitGateway;
  expensive: ExpensiveGate;
  /** Trusted documents (TRUSTED_DOCUMENTS): the APQ cache with the manifest in front, and the `required` check. */
  trusted: TrustedDocuments;
  /** More plugins (metrics). */
  plugins?: ApolloServerPlugin[];
}

/** Apollo Server over the graphql-jit gateway, with our limits, error formatting and response bound. */
export async function startApollo({
  config,
  built,
  httpServer,
  gateway,
  expensive,
  trusted,
  plugins = [],
}: ApolloParts): Promise<ApolloServer<Context & BaseContext>> {
  const admission = { threshold: config.expensiveQueryCost, gate: expensive, retryAfterSeconds: Math.max(1, Math.ceil(config.expensiveQueueWaitMs / 1000)) };
  const apollo = new ApolloServer<Context & BaseContext>({
    // Apollo's own parsed-document cache is its default InMemoryLRUCache, bounded at 30 MiB of
    // the documents' JSON (about 100 MB of heap at most, measured: 3–3.6 heap bytes per JSON byte).
    gateway,
    // INTROSPECTION=false: refused by our own rule, with a message that names the setting.
    introspection: true,
    validationRules: config.introspection ? [] : [noIntrospectionRule],
    // main.ts handles SIGINT/SIGTERM and stops everything in order; Apollo's own handler would
    // race it and hold the process for the drain's 10 s grace period.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.exposeErrors,
    formatError: formatError(config, currentRequestId),
    stringifyResult: boundedStringify(config.maxResponseBytes),
    parseOptions: { maxTokens: config.maxDocumentTokens },
    persistedQueries: { cache: trusted.apqCache() },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // The schema sets no cache hints; the default plugin would still visit every field.
      ApolloServerPluginCacheControlDisabled(),
      // Federated traces (ftv1) for a gateway that asks for them; error messages stay masked.
      ApolloServerPluginInlineTrace(),
      limitsPlugin(built.costs, operationLimitsOf(config), admission),
      sqlStatsPlugin(config),
      requestLogPlugin(),
      // DATABASE_REPLICA_URLS: queries read from the replicas, a caller's reads after its write from the primary.
      ...(config.databaseReplicaUrls.length > 0 ? [readRoutingPlugin(config)] : []),
      ...plugins,
    ],
  });
  await apollo.start();
  return apollo;
}
