import path from 'node:path';

/** Everything the server reads from the environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent the embedded PGlite database is used. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database (ignored with DATABASE_URL). `memory://` keeps it in memory. */
  dataDir: string;
  /** Size of the PostgreSQL connection pool (the embedded database always uses 1). */
  dbPoolSize: number;
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
  /** Bearer token → caller name, for mutations; empty means mutations are open (development). */
  apiTokens: Map<string, string>;
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
  /** Serve the offline GraphQL IDE to browsers on GET /graphql. */
  ideEnabled: boolean;
  /** Server processes sharing the port (node:cluster); more than 1 needs DATABASE_URL. */
  workers: number;
}

export class ConfigError extends Error {}

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

/** `API_TOKENS=portal:s3cret,press:t0ken` → token → name. A bare token is named `api`. */
function parseTokens(raw: string): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const entry of raw.split(',').map((t) => t.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const [name, token] = at > 0 ? [entry.slice(0, at), entry.slice(at + 1)] : ['api', entry];
    if (token.length < 8) throw new ConfigError('Each API_TOKENS token must be at least 8 characters long.');
    tokens.set(token, name);
  }
  return tokens;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://.');
  }
  const maxPageSize = intVar(env, 'MAX_PAGE_SIZE', 100, 1, 10_000);
  const defaultPageSize = intVar(env, 'DEFAULT_PAGE_SIZE', 20, 1, 10_000);
  if (defaultPageSize > maxPageSize) throw new ConfigError('DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE.');
  const maxGraphDepth = intVar(env, 'MAX_GRAPH_DEPTH', 10_000, 1, 1_000_000);
  const defaultGraphDepth = intVar(env, 'DEFAULT_GRAPH_DEPTH', maxGraphDepth, 1, 1_000_000);
  if (defaultGraphDepth > maxGraphDepth) throw new ConfigError('DEFAULT_GRAPH_DEPTH must not exceed MAX_GRAPH_DEPTH.');
  const production = env.NODE_ENV === 'production';
  const workers = intVar(env, 'WORKERS', 1, 1, 64);
  if (workers > 1 && !databaseUrl) {
    throw new ConfigError('WORKERS above 1 needs DATABASE_URL: the embedded database belongs to one process.');
  }
  return {
    port: intVar(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir: env.DATA_DIR || path.resolve(process.cwd(), '.data', 'pglite'),
    dbPoolSize: intVar(env, 'DB_POOL_SIZE', 10, 1, 500),
    runMigrations: boolVar(env, 'RUN_MIGRATIONS', true),
    // Demo data by default on the embedded database only; opt in on PostgreSQL.
    seedDemo: boolVar(env, 'SEED_DEMO', !databaseUrl),
    maxPageSize,
    defaultPageSize,
    maxQueryComplexity: intVar(env, 'MAX_QUERY_COMPLEXITY', 200_000, 1, 100_000_000),
    maxQueryDepth: intVar(env, 'MAX_QUERY_DEPTH', 16, 1, 100),
    maxAliases: intVar(env, 'MAX_ALIASES', 100, 1, 100_000),
    compiledCacheMaxBytes: intVar(env, 'COMPILED_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024 * 1024, 16 * 1024 * 1024 * 1024),
    jitMaxFields: intVar(env, 'JIT_MAX_FIELDS', 2_000, 0, 1_000_000),
    maxResponseBytes: intVar(env, 'MAX_RESPONSE_BYTES', 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    expensiveQueryCost: intVar(env, 'EXPENSIVE_QUERY_COST', 50_000, 0, 100_000_000),
    expensiveConcurrency: intVar(env, 'EXPENSIVE_CONCURRENCY', 1, 1, 1000),
    expensiveQueueLength: intVar(env, 'EXPENSIVE_QUEUE_LENGTH', 20, 0, 100_000),
    expensiveQueueWaitMs: intVar(env, 'EXPENSIVE_QUEUE_WAIT_MS', 5_000, 1, 600_000),
    maxGraphDepth,
    defaultGraphDepth,
    maxMutationsPerRequest: intVar(env, 'MAX_MUTATIONS_PER_REQUEST', 20, 1, 1000),
    apiTokens: parseTokens(env.API_TOKENS ?? ''),
    sqlStats: boolVar(env, 'SQL_STATS', !production),
    exposeErrors: boolVar(env, 'EXPOSE_ERRORS', !production),
    logSql: boolVar(env, 'LOG_SQL', false),
    wsKeepAliveMs: intVar(env, 'WS_KEEPALIVE_MS', 12_000, 0, 600_000),
    maxSubscriptionsPerConnection: intVar(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 10_000),
    eventBufferSize: intVar(env, 'EVENT_BUFFER_SIZE', 10_000, 10, 10_000_000),
    ideEnabled: boolVar(env, 'IDE_ENABLED', true),
    workers,
  };
}
