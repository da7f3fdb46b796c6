import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Database } from '../db/data-source';
import type { EventHub } from '../events/event-hub';
import { Authenticator, signingSecret } from '../shared/auth';
import { StartupError, type Config } from '../shared/config';
import { ExpensiveGate } from '../shared/expensive-gate';
import { jitGateway, MAX_COMPILED_DOCUMENTS, type CompiledCacheStats } from '../shared/jit-executor';
import { formatError } from '../shared/responses';
import { TrustedDocuments } from '../shared/trusted-documents';
import type { ReplicaStatus } from '../db/replicas';
import { operationLimitsOf, startApollo } from './apollo';
import type { Context } from './context';
import { openServingDatabase, startHub } from './database';
import { expressHttpServer, mountRoutes } from './http';
import { Metrics } from './metrics';
import { listenMetrics, mountMetrics, scrapeOf } from './metrics-http';
import { callerKeyOf, createRateLimit } from './rate-limit';
import { createLoaders, loadersPerEvent } from './loaders';
import { servedSchema, type BuiltSchema } from './schema';
import { createServices, type Services } from './services';
import { startSubscriptionServer } from './subscriptions';
import { tracedGateway } from './tracing-hooks';

export { prepareDatabase } from './database';

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
  /** The HS256 secret tokens are signed with (AUTH_JWT_SECRET or the development one), and its file; null with AUTH_JWKS_URL. */
  signing: { secret: string; file: string | null } | null;
  /** application_name of this instance's LISTEN connection in pg_stat_activity (PostgreSQL only). */
  listenerName: string | null;
  /** Each read replica's state and lag (DATABASE_REPLICA_URLS; empty without), for the metrics. */
  replicaStatus(): ReplicaStatus[];
  /** Where Prometheus scrapes this instance (METRICS_PORT or the API's port); null with METRICS_ENABLED=false or in a worker with METRICS_PORT (the primary serves it). */
  metricsUrl: string | null;
  stop(): Promise<void>;
}

/** How long an idle keep-alive connection stays open (above the usual 60 s of load balancers). */
const HTTP_KEEP_ALIVE_MS = 65_000;

/** Listens on `config.port`; a port that is taken or not allowed is a StartupError naming it. */
function listen(httpServer: http.Server, config: Pick<Config, 'port' | 'host'>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      if (error.code === 'EADDRINUSE')
        reject(
          new StartupError(
            `port ${config.port} is already in use (${where}): another server is running there. Stop it, or pick another port: PORT=${config.port + 1} npm start`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(new StartupError(`not allowed to listen on ${where} (ports below 1024 need privileges). Pick another port: PORT=4000 npm start`));
      else if (error.code === 'EADDRNOTAVAIL')
        reject(new StartupError(`HOST=${config.host} is not an address of this machine. Use HOST=0.0.0.0 (all interfaces) or HOST=127.0.0.1.`));
      else reject(error);
    });
    httpServer.listen(config.port, config.host, resolve);
  });
}

/** Runs `stop` steps in order when `work` fails, then rethrows. */
async function orUndo<T>(work: () => Promise<T>, ...undo: Array<() => Promise<unknown>>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    for (const step of undo) await step();
    throw error;
  }
}

/** The services, and the context of a request: every feature's services and fresh loaders. */
function wire(db: Database, config: Config, hub: EventHub, metrics: Metrics | null) {
  const loadersOf = loadersPerEvent(() => services, config, metrics);
  const services: Services = createServices(db.dataSource, config, hub, loadersOf);
  const context = (actor: Context['actor']): Context => ({ config, services, loaders: createLoaders(services, config, metrics), actor });
  return { services, context, loadersOf };
}

/**
 * The HTTP server. Idle keep-alive sockets outlive the clients' and load balancers' own idle
 * timeouts (undici 4 s, most balancers 60 s), so it is always the client that closes one: with
 * Node's 5 s default a request sent as the server closed its socket failed with ECONNRESET.
 */
function httpServerOf() {
  const app = express();
  const httpServer = expressHttpServer(app);
  httpServer.keepAliveTimeout = HTTP_KEEP_ALIVE_MS;
  httpServer.headersTimeout = HTTP_KEEP_ALIVE_MS + 1_000;
  return { app, httpServer };
}

/** How operations run: the admission queue of expensive ones, and the graphql-jit gateway. */
function executionOf(config: Config, built: BuiltSchema) {
  const expensive = new ExpensiveGate({
    concurrency: config.expensiveConcurrency,
    queueLength: config.expensiveQueueLength,
    maxWaitMs: config.expensiveQueueWaitMs,
  });
  const gateway = jitGateway(built.schema, built.subgraphSdl, {
    maxBytes: config.compiledCacheMaxBytes,
    maxEntries: MAX_COMPILED_DOCUMENTS,
    maxFields: config.jitMaxFields,
  });
  return { expensive, gateway: tracedGateway(gateway) };
}

/**
 * METRICS_ENABLED: the metrics, /metrics on the API's app (METRICS_PORT 0) or on a listener of its
 * own (METRICS_PORT; in a worker the primary listens there instead), and the rate limit's refusals counted.
 */
async function metricsOf(config: Config, app: express.Express) {
  if (!config.metricsEnabled) return null;
  const metrics = new Metrics(config);
  const scrape = scrapeOf(metrics);
  if (config.metricsPort === 0) mountMetrics(app, scrape);
  const own = config.metricsPort > 0 && !cluster.isWorker ? await listenMetrics(config, scrape) : null;
  const urlFor = (host: string, port: number) =>
    own ? `http://${host}:${own.port}/metrics` : config.metricsPort === 0 ? `http://${host}:${port}/metrics` : null;
  return { metrics, own, urlFor };
}

/** Starts the whole service: database (migrated, seeded), schema, HTTP and WebSocket on `config.port`. */
export async function startServer(config: Config): Promise<RunningServer> {
  // Read first: a missing or damaged manifest stops the start before anything is opened.
  const trusted = TrustedDocuments.load(config);
  const db = await openServingDatabase(config);
  const { hub, listenerName } = await orUndo(
    () => startHub(db, config),
    () => db.close(),
  );
  const { app, httpServer } = httpServerOf();
  const observed = await orUndo(() => metricsOf(config, app), hub.stop.bind(hub), db.close);
  const metrics = observed?.metrics ?? null;
  const { services, context, loadersOf } = wire(db, config, hub, metrics);
  const signing = signingSecret(config);
  const authenticator = new Authenticator(config, signing?.secret ?? null);
  const built = await servedSchema();
  const { expensive, gateway } = executionOf(config, built);
  const apollo = await startApollo({ config, built, httpServer, gateway, expensive, trusted, plugins: metrics ? [metrics.plugin()] : [] });
  const limit = await createRateLimit(config);
  const rateLimit = { limit: metrics ? metrics.countingRateLimit(limit, 'http') : limit, keyOf: callerKeyOf() };
  let subscriptions: { connections: number; stop(): Promise<void> } | null = null;
  mountRoutes(app, { config, db, hub, apollo, authenticator, context, webSocketConnections: () => subscriptions?.connections ?? 0, trusted, rateLimit });
  await orUndo(
    () => listen(httpServer, config),
    () => apollo.stop(),
    async () => rateLimit.limit?.stop(),
    () => hub.stop(),
    async () => observed?.own?.close(),
    () => db.close(),
  );
  // Attached once the port is ours: attached before, it would re-emit a failed listen as its own
  // "internal error" before ours could say which port it was.
  const ws = startSubscriptionServer(httpServer, {
    built,
    config,
    limits: operationLimitsOf(config),
    format: metrics ? metrics.countingFormat(formatError(config)) : formatError(config),
    authenticator,
    context,
    loadersOf,
    trusted,
    rateLimit: metrics ? { limit: metrics.countingRateLimit(limit, 'ws'), keyOf: rateLimit.keyOf } : rateLimit,
    observer: metrics ?? undefined,
  });
  subscriptions = ws;
  metrics?.watch(db, hub, () => ws.connections);
  const port = (httpServer.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  let stopped = false;
  return {
    url: `http://${host}:${port}/graphql`,
    metricsUrl: observed?.urlFor(host, port) ?? null,
    port,
    db,
    services,
    built,
    hub,
    listenerName,
    signing,
    compiledCache: () => gateway.compiledCache,
    replicaStatus: () => db.replicas?.status() ?? [],
    expensiveGate: expensive,
    async stop() {
      if (stopped) return;
      stopped = true;
      await ws.stop();
      await hub.stop();
      await apollo.stop();
      await rateLimit.limit?.stop();
      await observed?.own?.close();
      await db.close();
    },
  };
}
