import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { StartupError, type Config } from './config';
import { createLoaders, type Context } from './context';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from './db/data-source';
import { EventHub } from './events/event-hub';
import { PgliteNotificationSource, PgNotificationSource, type NotificationSource } from './events/notification-source';
import { startSubscriptionServer } from './events/ws-server';
import { seedDemoData } from './db/demo-seed';
import { deadlineScope, requestScope, Semaphore } from './db/request-scope';
import { mountIde } from './ide/ide';
import { jitGateway, MAX_COMPILED_DOCUMENTS, type CompiledCacheStats } from './shared/jit-executor';
import { buildFederatedSchema, type BuiltSchema } from './schema';
import { createServices, type Services } from './services';
import { actorForToken, bearerToken } from './shared/actor';
import { limitsPlugin } from './shared/limits.plugin';
import { ExpensiveGate } from './shared/expensive-gate';
import { ResponseTooLargeError } from './shared/errors';
import { translateDbError } from './shared/transaction';

export interface RunningServer {
  url: string;
  port: number;
  db: Database;
  services: Services;
  built: BuiltSchema;
  hub: EventHub;
  /** The graphql-jit compiled-operation cache, as it is now. */
  compiledCache(): CompiledCacheStats;
  /** Admission of expensive operations (EXPENSIVE_QUERY_COST): `stats` shows what runs and waits. */
  expensiveGate: ExpensiveGate;
  /** application_name of this instance's LISTEN connection in pg_stat_activity (PostgreSQL only). */
  listenerName: string | null;
  stop(): Promise<void>;
}

/** Validation failures from class-validator, as a BAD_USER_INPUT a person can act on. */
function validationError(error: ArgumentValidationError): GraphQLFormattedError {
  const problems = error.extensions.validationErrors as Array<{ property: string; constraints?: Record<string, string>; children?: unknown[] }> | undefined;
  const messages: string[] = [];
  const walk = (list: typeof problems, prefix: string) => {
    for (const p of list ?? []) {
      for (const m of Object.values(p.constraints ?? {})) messages.push(`${prefix}${m}`);
      walk(p.children as typeof problems, `${prefix}${p.property}.`);
    }
  };
  walk(problems, '');
  return {
    message: `Invalid input: ${messages.join('; ') || 'see validationErrors'}.`,
    extensions: { code: 'BAD_USER_INPUT', validationErrors: problems?.map((p) => ({ property: p.property, constraints: p.constraints })) },
  };
}

export function formatError(config: Pick<Config, 'exposeErrors'>) {
  return (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(raw);
    if (original instanceof ArgumentValidationError) return { ...validationError(original), path: formatted.path, locations: formatted.locations };
    const translated = translateDbError(original);
    if (translated instanceof GraphQLError && translated !== original) {
      return { message: translated.message, path: formatted.path, locations: formatted.locations, extensions: translated.extensions };
    }
    const code = formatted.extensions?.code;
    if ((code === 'INTERNAL_SERVER_ERROR' || code === undefined) && !(original instanceof GraphQLError)) {
      console.error('[graphql] internal error', original);
      if (!config.exposeErrors) {
        return { message: 'Internal server error. It has been logged; try again or report it.', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    }
    return formatted;
  };
}

/**
 * Apollo's serialisation (JSON and a newline), refusing a body over `maxBytes`: the response is
 * serialised once, as it would be anyway, and only its length is checked (UTF-8 bytes counted only
 * when the UTF-16 length alone cannot tell).
 */
export function boundedStringify(maxBytes: number) {
  return (result: FormattedExecutionResult): string => {
    const text = `${JSON.stringify(result)}\n`;
    if (text.length * 3 <= maxBytes) return text;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes <= maxBytes) return text;
    const error = new ResponseTooLargeError(bytes, maxBytes);
    return `${JSON.stringify({ errors: [{ message: error.message, extensions: error.extensions }], data: null })}\n`;
  };
}

/** Bearer token → caller. An unknown token is refused even for queries, so mistakes surface. */
function actorFrom(header: string | undefined, config: Config): Context['actor'] {
  const token = bearerToken(header);
  if (token === null) return null;
  const actor = actorForToken(token, config.apiTokens);
  if (!actor) {
    throw new GraphQLError('The API token is not valid. Send "Authorization: Bearer <token>" with a token from API_TOKENS, or none.', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return actor;
}

/** Listens on `config.port`; a port that is taken or not allowed is a StartupError naming it. */
function listen(httpServer: http.Server, config: Pick<Config, 'port' | 'host'>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      if (error.code === 'EADDRINUSE') reject(new StartupError(`port ${config.port} is already in use (${where}): another server is running there. Stop it, or pick another port: PORT=${config.port + 1} npm start`));
      else if (error.code === 'EACCES') reject(new StartupError(`not allowed to listen on ${where} (ports below 1024 need privileges). Pick another port: PORT=4000 npm start`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new StartupError(`HOST=${config.host} is not an address of this machine. Use HOST=0.0.0.0 (all interfaces) or HOST=127.0.0.1.`));
      else reject(error);
    });
    httpServer.listen(config.port, config.host, resolve);
  });
}

/** Applies pending migrations and loads the demo data, as configured (both idempotent). */
export async function prepareDatabase(db: Database, config: Pick<Config, 'runMigrations' | 'seedDemo'>): Promise<void> {
  if (config.runMigrations) await db.dataSource.runMigrations({ transaction: 'each' });
  if (config.seedDemo) await seedDemoData(db.dataSource);
}

/** Starts the whole service: database (migrated, seeded), schema, HTTP on `config.port`. */
export async function startServer(config: Config): Promise<RunningServer> {
  if (config.databaseUrl && config.runMigrations) {
    // Migrations may rebuild large tables: they run on a pool of their own, without the serving
    // pool's statement timeouts.
    const unbounded = await openDatabase({ ...config, dbPoolSize: 1 });
    try {
      await prepareDatabase(unbounded, { runMigrations: true, seedDemo: false });
    } finally {
      await unbounded.close();
    }
  }
  const db = await openDatabase(config, config);
  try {
    await prepareDatabase(db, { runMigrations: config.runMigrations && !config.databaseUrl, seedDemo: config.seedDemo });
  } catch (error) {
    await db.close();
    throw error;
  }
  const listenerName = db.pglite ? null : `dvk-events-${randomUUID().slice(0, 8)}`;
  const source: NotificationSource = db.pglite ? new PgliteNotificationSource(db.pglite) : new PgNotificationSource(config.databaseUrl as string, listenerName as string, {
    connectTimeoutMs: config.dbConnectTimeoutMs,
    pingIntervalMs: config.dbListenPingMs,
    pingTimeoutMs: Math.max(1_000, Math.min(config.dbListenPingMs, config.dbConnectTimeoutMs)),
  });
  const hub = new EventHub(db.dataSource, source, config.eventBufferSize, config.eventBufferBytes);
  try {
    await hub.start();
  } catch (error) {
    await hub.stop();
    await db.close();
    throw error;
  }
  const services = createServices(db.dataSource, config, hub);
  const built = await buildFederatedSchema();
  const app = express();
  const httpServer = http.createServer(app);

  const limits = {
    maxDepth: config.maxQueryDepth,
    maxComplexity: config.maxQueryComplexity,
    maxPageSize: config.maxPageSize,
    maxMutations: config.maxMutationsPerRequest,
    maxAliases: config.maxAliases,
  };
  const expensive = new ExpensiveGate({ concurrency: config.expensiveConcurrency, queueLength: config.expensiveQueueLength, maxWaitMs: config.expensiveQueueWaitMs });
  const admission = { threshold: config.expensiveQueryCost, gate: expensive, retryAfterSeconds: Math.max(1, Math.ceil(config.expensiveQueueWaitMs / 1000)) };
  const gateway = jitGateway(built.schema, built.subgraphSdl, { maxBytes: config.compiledCacheMaxBytes, maxEntries: MAX_COMPILED_DOCUMENTS, maxFields: config.jitMaxFields });
  const apollo = new ApolloServer<Context & BaseContext>({
    // Apollo's own parsed-document cache is its default InMemoryLRUCache, bounded at 30 MiB of
    // the documents' JSON (about 100 MB of heap at most, measured: 3–3.6 heap bytes per JSON byte).
    gateway,
    introspection: true,
    // main.ts handles SIGINT/SIGTERM and stops everything in order; Apollo's own handler would
    // race it and hold the process for the drain's 10 s grace period.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.exposeErrors,
    formatError: formatError(config),
    stringifyResult: boundedStringify(config.maxResponseBytes),
    parseOptions: { maxTokens: 20_000 },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // The schema sets no cache hints; the default plugin would still visit every field.
      ApolloServerPluginCacheControlDisabled(),
      // Federated traces (ftv1) for a gateway that asks for them; error messages stay masked.
      ApolloServerPluginInlineTrace(),
      limitsPlugin(built.complexity, limits, admission),
      {
        async requestDidStart() {
          return {
            async willSendResponse({ response }) {
              const stats = requestScope.getStore();
              if (config.sqlStats && stats && response.body.kind === 'single') {
                response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlStatements: stats.statements };
              }
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // Bounded, so a frozen database or a pool full of other work answers 503 quickly, not never.
    const { scope, done } = deadlineScope(config.readyTimeoutMs, null, 'readiness check');
    try {
      await requestScope.run(scope, () => db.dataSource.query('SELECT 1'));
      res.json({ status: 'ready', pid: process.pid, database: db.embedded ? 'embedded' : 'postgresql', events: { listening: hub.listening, head: String(hub.head), liveSubscriptions: hub.liveSubscriptions }, webSocketConnections: subscriptions.connections });
    } catch {
      res.status(503).json({ status: 'unavailable', database: db.embedded ? 'embedded' : 'postgresql' });
    } finally {
      done();
    }
  });
  mountIde(app, config); // browsers get the offline IDE on GET /graphql; other GETs fall through
  app.use(
    '/graphql',
    (_req, res, next) => {
      // The request's store: its statement count, its share of the pool (one request cannot hold
      // more than DB_MAX_CONCURRENT_PER_REQUEST connections) and its deadline (REQUEST_TIMEOUT_MS).
      const slots = config.dbMaxConcurrentPerRequest < config.dbPoolSize && !db.embedded ? new Semaphore(config.dbMaxConcurrentPerRequest) : null;
      const { scope, done } = deadlineScope(config.requestTimeoutMs, slots);
      res.once('close', done);
      requestScope.run(scope, next);
    },
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => ({
        config,
        services,
        loaders: createLoaders(services, config),
        actor: actorFrom(req.headers.authorization, config),
      }),
    }),
  );

  // Body-parser failures (malformed JSON, over 1 MB) as GraphQL-shaped errors, never a stack.
  app.use((error: { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    const message =
      error.type === 'entity.too.large' ? 'The request body is larger than 1 MB.'
      : error.type === 'entity.parse.failed' ? 'The request body is not valid JSON.'
      : status === 500 ? 'Internal server error.' : 'The request could not be read.';
    if (status === 500) console.error('[http] internal error', error);
    res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  try {
    await listen(httpServer, config);
  } catch (error) {
    await apollo.stop();
    await hub.stop();
    await db.close();
    throw error;
  }
  // Attached once the port is ours: attached before, it would re-emit a failed listen as its own
  // "internal error" before ours could say which port it was.
  const subscriptions = startSubscriptionServer(httpServer, built, services, config, limits, formatError(config));
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  let stopped = false;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    db,
    services,
    built,
    hub,
    listenerName,
    compiledCache: () => gateway.compiledCache,
    expensiveGate: expensive,
    async stop() {
      if (stopped) return;
      stopped = true;
      await subscriptions.stop();
      await hub.stop();
      await apollo.stop();
      await db.close();
    },
  };
}
