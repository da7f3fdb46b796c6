import path from 'node:path';
import { logLevelOf, type LogSettings } from './logger';

/** Everything the server reads from the environment, validated once at start. */
export interface Config extends LogSettings {
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database (ignored with DATABASE_URL). `memory://` keeps it in memory. */
  dataDir: string;
  /**
   * A snapshot of an embedded data folder (a tar written by dumpEmbeddedSnapshot) that an in-memory
   * embedded database starts from instead of an empty one; not read from the environment (the test
   * suite uses it to migrate once, not once per server).
   */
  embeddedSnapshot?: string;
  /** Size of the PostgreSQL connection pool (the embedded database always uses 1). */
  dbPoolSize: number;
  /** Pool connections one HTTP request may hold at once (its statements beyond that wait their turn). */
  dbMaxConcurrentPerRequest: number;
  /** Server-side statement_timeout of the pool's sessions (ms, PostgreSQL only); 0: none. */
  dbStatementTimeoutMs: number;
  /** Client-side bound on every statement (pg's query_timeout, ms), for a frozen server or a partition; 0: none. */
  dbQueryTimeoutMs: number;
  /** Server-side lock_timeout (ms); 0: lock waits are bounded by the statement timeout only. */
  dbLockTimeoutMs: number;
  /** Server-side idle_in_transaction_session_timeout (ms); 0: none. */
  dbIdleInTransactionTimeoutMs: number;
  /** Bound on opening a connection and on waiting for a free one in the pool (ms). */
  dbConnectTimeoutMs: number;
  /** Interval of the event listener's health check on its LISTEN connection (ms); 0: none. */
  dbListenPingMs: number;
  /** Read replicas (DATABASE_REPLICA_URLS): queries read from them, mutations and subscriptions use the primary. */
  databaseReplicaUrls: readonly string[];
  /** A replica further behind than this (ms) is out of rotation. */
  replicaMaxLagMs: number;
  /** Interval of the replicas' health check (ms). */
  replicaCheckIntervalMs: number;
  /** Bound on one replica's check (ms); past it the replica counts as down. */
  replicaCheckTimeoutMs: number;
  /** After a write, the caller's reads go to the primary for this long (ms). */
  readYourWritesMs: number;
  /** Callers whose recent write this process remembers (least recently written forgotten first). */
  readYourWritesMaxCallers: number;
  /** Overall deadline of one HTTP request (ms): its database work is stopped then; 0: none. */
  requestTimeoutMs: number;
  /** Bound on GET /readyz's database check (ms); past it the answer is 503. */
  readyTimeoutMs: number;
  runMigrations: boolean;
  seedDemo: boolean;
  maxPageSize: number;
  defaultPageSize: number;
  maxQueryComplexity: number;
  maxQueryDepth: number;
  /** Aliased fields one operation may carry. */
  maxAliases: number;
  /** Estimated bytes of graphql-jit compiled operations kept (least recently used dropped first). */
  compiledCacheMaxBytes: number;
  /** Operations selecting more fields than this run on graphql-js instead of being compiled. */
  jitMaxFields: number;
  /** Largest serialised response (bytes); a larger one is replaced by RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  /** Operations costing more than this go through the expensive-operation queue. */
  expensiveQueryCost: number;
  /** Expensive operations run at once (per process). */
  expensiveConcurrency: number;
  /** Expensive operations that may wait for a turn; more are refused with SERVICE_UNAVAILABLE. */
  expensiveQueueLength: number;
  /** Longest wait for a turn (ms) before SERVICE_UNAVAILABLE. */
  expensiveQueueWaitMs: number;
  /** Steps followed through the replication graph: the cap, and the default of `maxDepth` arguments. */
  maxGraphDepth: number;
  defaultGraphDepth: number;
  /** Mutation fields one request may carry (each is its own transaction). */
  maxMutationsPerRequest: number;
  /** Development shortcut: bearer token → caller name, each an ADMIN (refused with NODE_ENV=production). */
  apiTokens: Map<string, string>;
  /** How tokens are verified and what anonymous callers may do. */
  auth: AuthConfig;
  /** Add `extensions.sqlStatements` (statements run for the request) to every response. */
  sqlStats: boolean;
  /** Show stack traces and internal messages in errors. */
  exposeErrors: boolean;
  logSql: boolean;
  /** WebSocket ping interval (ms); a peer that misses a pong for as long is dropped. 0 turns pings off. */
  wsKeepAliveMs: number;
  /** Subscriptions one WebSocket connection may hold at once. */
  maxSubscriptionsPerConnection: number;
  /** Newest events kept in memory for fan-out; a live subscriber further behind is disconnected. */
  eventBufferSize: number;
  /** Bytes those events may hold in memory (estimated); the oldest leave first. */
  eventBufferBytes: number;
  /** Serve the offline GraphQL IDE to browsers on GET /graphql. */
  ideEnabled: boolean;
  /** Server processes sharing the port (node:cluster); more than 1 needs DATABASE_URL. */
  workers: number;
  /** Browser origins allowed to call the API (CORS, WebSocket `Origin`); `['*']`: any, never with credentials. */
  corsOrigins: readonly string[];
  /** Requests (and subscribe messages) one caller may make per RATE_LIMIT_DURATION_S; 0: no limit. */
  rateLimitPoints: number;
  rateLimitDurationS: number;
  /** Redis shared by every instance for the rate limit; unset: a limit per process, in memory. */
  redisUrl: string | undefined;
  /** Prefix of the rate limit's Redis keys (instances of one deployment share it). */
  rateLimitPrefix: string;
  /** Persisted operations: `off`, `optional` (also free-form documents), `required` (only those). */
  trustedDocuments: 'off' | 'optional' | 'required';
  /** The manifest of trusted documents (Apollo's persisted query manifest format). */
  trustedDocumentsPath: string;
  /** Answer introspection (`__schema`, `__type`), over HTTP and WebSocket. */
  introspection: boolean;
  /** Lexical tokens one document may hold (graphql-js `maxTokens`). */
  maxDocumentTokens: number;
  /** METRICS_ENABLED: collect Prometheus metrics and serve them at /metrics (false: no route, no collection). */
  metricsEnabled: boolean;
  /** METRICS_PORT: serve /metrics on a listener of its own on this port; 0: on the API's port. */
  metricsPort: number;
}

/** Token verification (AUTH_*) and the anonymous-read mode. */
export interface AuthConfig {
  /** AUTH_JWT_SECRET: the HS256 secret; null means AUTH_JWKS_URL, or (not in production) the per-data-folder secret. */
  jwtSecret: string | null;
  /** AUTH_JWKS_URL: where the verification keys are (asymmetric algorithms). */
  jwksUrl: string | null;
  /** AUTH_ISSUER / AUTH_AUDIENCE: the `iss` and `aud` a token must carry (unchecked when unset). */
  issuer: string | null;
  audience: string | null;
  /** AUTH_CLOCK_SKEW_S: tolerance on `exp` and `nbf`, seconds. */
  clockSkewS: number;
  /** ANONYMOUS_READS: whether callers without a token may read (HTTP, WebSocket, _entities, the change log). */
  anonymousReads: boolean;
}

/** A configuration value that cannot be used: shown to the operator as one line, without a stack. */
export class ConfigError extends Error {}

/**
 * The server cannot start for a reason outside the code (a port taken, a database out of reach, a
 * data folder in use): shown as one line that says what to do, without a stack.
 */
export class StartupError extends Error {}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}; got "${raw}".`);
  }
  return value;
}

function boolVar(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false; got "${raw}".`);
}

const API_TOKENS_FORMAT = 'a comma-separated list of name:token pairs, e.g. API_TOKENS=portal:7f3c9a1e5b,press:c04d2e8f61 (each token at least 8 characters)';

/** `API_TOKENS=portal:7f3c9a1e5b,press:c04d2e8f61` → token → caller name. */
function parseTokens(raw: string): Map<string, string> {
  const tokens = new Map<string, string>();
  const entries = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const at = entry.indexOf(':');
    // The entry is a secret: the message names its position and its name part, never the token.
    if (at <= 0) throw new ConfigError(`API_TOKENS must be ${API_TOKENS_FORMAT}; entry ${index + 1} has no "name:" before its token.`);
    const [name, token] = [entry.slice(0, at), entry.slice(at + 1)];
    if (!/^[\w.-]{1,64}$/.test(name))
      throw new ConfigError(`API_TOKENS must be ${API_TOKENS_FORMAT}; entry ${index + 1} has a name that is not 1-64 letters, digits, '.', '_' or '-'.`);
    if (token.length < 8) throw new ConfigError(`API_TOKENS must be ${API_TOKENS_FORMAT}; the token of "${name}" is shorter than 8 characters.`);
    tokens.set(token, name);
  });
  return tokens;
}

/** Defaults that code outside the configuration falls back on too (one source each). */
export const DEFAULT_COMPILED_CACHE_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_JIT_MAX_FIELDS = 2_000;

/** AUTH_* and ANONYMOUS_READS; production needs a real key and no API_TOKENS. */
function authConfig(env: NodeJS.ProcessEnv, production: boolean): AuthConfig {
  const jwtSecret = env.AUTH_JWT_SECRET || null;
  const jwksUrl = env.AUTH_JWKS_URL || null;
  // The secret is never echoed: messages say what is wrong with it, not what it is.
  if (jwtSecret && Buffer.byteLength(jwtSecret) < 32) throw new ConfigError('AUTH_JWT_SECRET must be at least 32 bytes long (e.g. `openssl rand -hex 32`).');
  if (jwtSecret && jwksUrl) throw new ConfigError('Set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both.');
  if (jwksUrl && !/^https?:\/\/\S+$/.test(jwksUrl)) throw new ConfigError('AUTH_JWKS_URL must be an http(s):// URL.');
  if (production && !jwtSecret && !jwksUrl) {
    throw new ConfigError(
      'NODE_ENV=production needs AUTH_JWT_SECRET (HS256, at least 32 bytes) or AUTH_JWKS_URL: the development secret in the data folder is not used in production.',
    );
  }
  if (production && env.API_TOKENS)
    throw new ConfigError(
      'API_TOKENS is a development shortcut (each token is an ADMIN) and is refused with NODE_ENV=production; use tokens signed with AUTH_JWT_SECRET or by AUTH_JWKS_URL.',
    );
  return {
    jwtSecret,
    jwksUrl,
    issuer: env.AUTH_ISSUER || null,
    audience: env.AUTH_AUDIENCE || null,
    clockSkewS: intVar(env, 'AUTH_CLOCK_SKEW_S', 30, 0, 600),
    // Open by default in development (the demo, the IDE, partners' first steps); closed in production.
    anonymousReads: boolVar(env, 'ANONYMOUS_READS', !production),
  };
}

/** Page sizes and graph depths, each default within its cap. */
function pagingConfig(env: NodeJS.ProcessEnv) {
  const maxPageSize = intVar(env, 'MAX_PAGE_SIZE', 100, 1, 10_000);
  const defaultPageSize = intVar(env, 'DEFAULT_PAGE_SIZE', 20, 1, 10_000);
  if (defaultPageSize > maxPageSize) throw new ConfigError('DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE.');
  const maxGraphDepth = intVar(env, 'MAX_GRAPH_DEPTH', 10_000, 1, 1_000_000);
  const defaultGraphDepth = intVar(env, 'DEFAULT_GRAPH_DEPTH', maxGraphDepth, 1, 1_000_000);
  if (defaultGraphDepth > maxGraphDepth) throw new ConfigError('DEFAULT_GRAPH_DEPTH must not exceed MAX_GRAPH_DEPTH.');
  return { maxPageSize, defaultPageSize, maxGraphDepth, defaultGraphDepth };
}

/** The database: where it is, the pool, and the bounds on every path to it. */
function databaseConfig(env: NodeJS.ProcessEnv) {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://.');
  }
  const dbPoolSize = intVar(env, 'DB_POOL_SIZE', 10, 1, 500);
  const dbMaxConcurrentPerRequest = intVar(env, 'DB_MAX_CONCURRENT_PER_REQUEST', Math.max(1, Math.floor(dbPoolSize / 4)), 1, 500);
  if (dbMaxConcurrentPerRequest > dbPoolSize) throw new ConfigError('DB_MAX_CONCURRENT_PER_REQUEST must not exceed DB_POOL_SIZE.');
  const dbStatementTimeoutMs = intVar(env, 'DB_STATEMENT_TIMEOUT_MS', 10_000, 0, 86_400_000);
  const dbQueryTimeoutMs = intVar(env, 'DB_QUERY_TIMEOUT_MS', dbStatementTimeoutMs > 0 ? dbStatementTimeoutMs + 5_000 : 0, 0, 86_400_000);
  if (dbQueryTimeoutMs > 0 && dbStatementTimeoutMs > 0 && dbQueryTimeoutMs <= dbStatementTimeoutMs) {
    // The server cancels a slow statement cleanly; the client-side bound is for a server that cannot answer at all.
    throw new ConfigError('DB_QUERY_TIMEOUT_MS must be longer than DB_STATEMENT_TIMEOUT_MS (or 0).');
  }
  return {
    databaseUrl,
    dataDir: env.DATA_DIR || path.resolve(process.cwd(), '.data', 'pglite'),
    dbPoolSize,
    dbMaxConcurrentPerRequest,
    dbStatementTimeoutMs,
    dbQueryTimeoutMs,
    dbLockTimeoutMs: intVar(env, 'DB_LOCK_TIMEOUT_MS', 0, 0, 86_400_000),
    dbIdleInTransactionTimeoutMs: intVar(env, 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 30_000, 0, 86_400_000),
    dbConnectTimeoutMs: intVar(env, 'DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    dbListenPingMs: intVar(env, 'DB_LISTEN_PING_MS', 10_000, 0, 600_000),
    runMigrations: boolVar(env, 'RUN_MIGRATIONS', true),
    // Demo data by default on the embedded database only; opt in on PostgreSQL.
    seedDemo: boolVar(env, 'SEED_DEMO', !databaseUrl),
    logSql: boolVar(env, 'LOG_SQL', false),
  };
}

/**
 * Read replicas: `DATABASE_REPLICA_URLS=postgres://…,postgres://…`. The read-your-writes window
 * defaults to what makes a caller's reads after it safe on any replica in rotation: a replica
 * in rotation is at most REPLICA_MAX_LAG_MS behind as of its last check, and that check may be up
 * to one interval (and its timeout) old, and the lag is measured to within one interval.
 */
function replicaConfig(env: NodeJS.ProcessEnv, databaseUrl: string | undefined) {
  const databaseReplicaUrls = (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  for (const url of databaseReplicaUrls) {
    if (!/^postgres(ql)?:\/\/[^\s]+$/.test(url))
      throw new ConfigError('DATABASE_REPLICA_URLS must be a comma-separated list of postgres:// or postgresql:// URLs.');
  }
  if (databaseReplicaUrls.length > 0 && !databaseUrl) throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL: the embedded database has no replicas.');
  if (databaseReplicaUrls.length > 16) throw new ConfigError('DATABASE_REPLICA_URLS may name at most 16 replicas.');
  const replicaMaxLagMs = intVar(env, 'REPLICA_MAX_LAG_MS', 2_000, 0, 86_400_000);
  const replicaCheckIntervalMs = intVar(env, 'REPLICA_CHECK_INTERVAL_MS', 1_000, 100, 600_000);
  const replicaCheckTimeoutMs = intVar(env, 'REPLICA_CHECK_TIMEOUT_MS', 1_000, 50, 600_000);
  return {
    databaseReplicaUrls,
    replicaMaxLagMs,
    replicaCheckIntervalMs,
    replicaCheckTimeoutMs,
    readYourWritesMs: intVar(env, 'READ_YOUR_WRITES_MS', replicaMaxLagMs + 2 * replicaCheckIntervalMs + replicaCheckTimeoutMs, 0, 86_400_000),
    readYourWritesMaxCallers: intVar(env, 'READ_YOUR_WRITES_MAX_CALLERS', 10_000, 0, 10_000_000),
  };
}

/** What one operation may ask for and hold: cost, depth, aliases, compiled cache, response size, the expensive queue. */
function operationConfig(env: NodeJS.ProcessEnv) {
  return {
    requestTimeoutMs: intVar(env, 'REQUEST_TIMEOUT_MS', 15_000, 0, 86_400_000),
    maxQueryComplexity: intVar(env, 'MAX_QUERY_COMPLEXITY', 200_000, 1, 100_000_000),
    maxQueryDepth: intVar(env, 'MAX_QUERY_DEPTH', 16, 1, 100),
    maxAliases: intVar(env, 'MAX_ALIASES', 100, 1, 100_000),
    compiledCacheMaxBytes: intVar(env, 'COMPILED_CACHE_MAX_BYTES', DEFAULT_COMPILED_CACHE_MAX_BYTES, 1024 * 1024, 16 * 1024 * 1024 * 1024),
    jitMaxFields: intVar(env, 'JIT_MAX_FIELDS', DEFAULT_JIT_MAX_FIELDS, 0, 1_000_000),
    maxResponseBytes: intVar(env, 'MAX_RESPONSE_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    expensiveQueryCost: intVar(env, 'EXPENSIVE_QUERY_COST', 50_000, 0, 100_000_000),
    expensiveConcurrency: intVar(env, 'EXPENSIVE_CONCURRENCY', 1, 1, 1000),
    expensiveQueueLength: intVar(env, 'EXPENSIVE_QUEUE_LENGTH', 20, 0, 100_000),
    expensiveQueueWaitMs: intVar(env, 'EXPENSIVE_QUEUE_WAIT_MS', 5_000, 1, 600_000),
    maxMutationsPerRequest: intVar(env, 'MAX_MUTATIONS_PER_REQUEST', 20, 1, 1000),
  };
}

/** `CORS_ORIGINS=https://a.example,http://localhost:3000` → origins; `*` alone allows any. */
function parseOrigins(raw: string): string[] {
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.includes('*')) {
    if (origins.length > 1) throw new ConfigError('CORS_ORIGINS must be "*" alone or a list of origins, not both.');
    return origins;
  }
  for (const origin of origins) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      url = null;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS must be a comma-separated list of origins such as https://portal.example.org or http://localhost:3000 (scheme, host, port; no path or trailing slash); got "${origin}".`,
      );
    }
  }
  return origins;
}

/** At the edge: browsers' origins, the rate limit, trusted documents, introspection, document size. */
function edgeConfig(env: NodeJS.ProcessEnv) {
  const trusted = (env.TRUSTED_DOCUMENTS || 'off').toLowerCase();
  if (trusted !== 'off' && trusted !== 'optional' && trusted !== 'required')
    throw new ConfigError(`TRUSTED_DOCUMENTS must be off, optional or required; got "${env.TRUSTED_DOCUMENTS}".`);
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must start with redis:// or rediss://.');
  return {
    corsOrigins: parseOrigins(env.CORS_ORIGINS ?? ''),
    rateLimitPoints: intVar(env, 'RATE_LIMIT_POINTS', 6_000, 0, 100_000_000),
    rateLimitDurationS: intVar(env, 'RATE_LIMIT_DURATION_S', 60, 1, 86_400),
    redisUrl,
    rateLimitPrefix: env.RATE_LIMIT_PREFIX || 'dvk-rate',
    trustedDocuments: trusted as Config['trustedDocuments'],
    trustedDocumentsPath:
      env.TRUSTED_DOCUMENTS_PATH ||
      path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'schema', 'trusted-documents.json'),
    introspection: boolVar(env, 'INTROSPECTION', true),
    maxDocumentTokens: intVar(env, 'MAX_DOCUMENT_TOKENS', 20_000, 100, 1_000_000),
  };
}

/** METRICS_ENABLED and METRICS_PORT: a metrics port of its own must not be the API's. */
function metricsConfig(env: NodeJS.ProcessEnv, port: number) {
  const metricsEnabled = boolVar(env, 'METRICS_ENABLED', true);
  const metricsPort = intVar(env, 'METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== 0 && metricsPort === port)
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}); leave it unset (or 0) to serve /metrics on the API's port.`);
  return { metricsEnabled, metricsPort };
}

/** LOG_LEVEL, and pretty lines only on a developer's terminal (JSON in production and in any pipe). */
function logConfig(env: NodeJS.ProcessEnv, production: boolean): LogSettings {
  const logLevel = logLevelOf(env.LOG_LEVEL);
  if (!logLevel) throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${env.LOG_LEVEL}".`);
  return { logLevel, logPretty: !production && process.stdout.isTTY === true };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const database = databaseConfig(env);
  const workers = intVar(env, 'WORKERS', 1, 1, 64);
  if (workers > 1 && !database.databaseUrl) {
    throw new ConfigError('WORKERS above 1 needs DATABASE_URL: the embedded database belongs to one process.');
  }
  const port = intVar(env, 'PORT', 4000, 0, 65535);
  return {
    port,
    host: env.HOST || '0.0.0.0',
    ...database,
    ...replicaConfig(env, database.databaseUrl),
    ...pagingConfig(env),
    ...operationConfig(env),
    readyTimeoutMs: intVar(env, 'READY_TIMEOUT_MS', 2_000, 100, 600_000),
    apiTokens: parseTokens(env.API_TOKENS ?? ''),
    auth: authConfig(env, production),
    sqlStats: boolVar(env, 'SQL_STATS', !production),
    exposeErrors: boolVar(env, 'EXPOSE_ERRORS', !production),
    wsKeepAliveMs: intVar(env, 'WS_KEEPALIVE_MS', 12_000, 0, 600_000),
    maxSubscriptionsPerConnection: intVar(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 10_000),
    eventBufferSize: intVar(env, 'EVENT_BUFFER_SIZE', 10_000, 10, 10_000_000),
    eventBufferBytes: intVar(env, 'EVENT_BUFFER_BYTES', 64 * 1024 * 1024, 64 * 1024, 16 * 1024 * 1024 * 1024),
    ideEnabled: boolVar(env, 'IDE_ENABLED', true),
    workers,
    ...edgeConfig(env),
    ...metricsConfig(env, port),
    ...logConfig(env, production),
  };
}

/**
 * OpenTelemetry tracing (opt-in). Read on its own, before anything else is loaded: the
 * instrumentations must be registered before http, express and pg are first required, and nothing
 * of OpenTelemetry is loaded when tracing is off. The exporter and the SDK read their own
 * standard variables (OTEL_EXPORTER_OTLP_*_HEADERS, _TIMEOUT, OTEL_BSP_*, OTEL_TRACES_SAMPLER[_ARG],
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME); the ones checked here are those that decide whether
 * and where traces go, so a mistake in them stops the start instead of losing every trace.
 */
export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`; null: tracing off. */
  endpoint: string | null;
  serviceName: string;
}

export const DEFAULT_SERVICE_NAME = 'dan-van-kheo-graph';

function otlpUrl(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL such as http://otel-collector:4318; got "${raw}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL (OTLP over HTTP); got "${url.protocol}".`);
  return raw;
}

export function loadTracingConfig(env: NodeJS.ProcessEnv = process.env): TracingConfig {
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME;
  const tracesEndpoint = otlpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = otlpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const endpoint = tracesEndpoint ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : null);
  if (!endpoint || boolVar(env, 'OTEL_SDK_DISABLED', false)) return { endpoint: null, serviceName };
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return { endpoint: null, serviceName };
  if (exporter && exporter !== 'otlp') throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none (the only exporter built in); got "${exporter}".`);
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = env[name]?.trim();
    if (protocol && protocol !== 'http/json' && protocol !== 'http/protobuf')
      throw new ConfigError(
        `${name} must be http/json or http/protobuf (spans are sent as OTLP/HTTP JSON, which every OTLP/HTTP receiver accepts); got "${protocol}".`,
      );
  }
  return { endpoint, serviceName };
}
