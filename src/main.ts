import 'reflect-metadata';
// First: with OTEL_EXPORTER_OTLP_ENDPOINT, tracing patches http, express and pg before they load.
import './app/tracing-boot';
import cluster from 'node:cluster';
import { Role } from './shared/actor';
import { signToken } from './shared/auth';
import { ConfigError, loadConfig, StartupError, type Config } from './shared/config';
import { loggerFor, processLogger, withoutPassword } from './shared/logger';
import { openDatabase } from './db/data-source';
import { prepareDatabase, startServer } from './app/server';
import { shutdownTracing } from './app/tracing-hooks';
import { superviseMetrics } from './app/metrics-http';

/** One server process: the whole service on PORT. */
async function serve(config: Config): Promise<void> {
  const who = cluster.isWorker ? ` (worker ${cluster.worker?.id}, pid ${process.pid})` : '';
  const log = loggerFor(config);
  const starting = startServer(config);
  // Handlers first: as pid 1 (a container) a signal that finds no handler is dropped, not fatal,
  // so one that came during start-up would be lost. A stop asked for then waits for the start.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `${signal}: draining connections and closing the database...${who}`);
    starting
      .then((server) => server.stop())
      .then(() => shutdownTracing())
      .then(
        () => process.exit(0),
        (error) => {
          log.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const server = await starting;
  const where = server.db.embedded ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  log.info(
    { url: server.url, database: server.db.embedded ? config.dataDir : withoutPassword(config.databaseUrl), worker: cluster.worker?.id },
    `Dân vận khéo GraphQL subgraph ready at ${server.url} (${where})${who}`,
  );
  if (!cluster.isWorker) await printTokenHint(config, server.signing);
}

/** Without AUTH_JWT_SECRET / AUTH_JWKS_URL (development only): how to get a token for the first mutation. */
async function printTokenHint(config: Config, signing: { secret: string; file: string | null } | null): Promise<void> {
  if (!signing || config.auth.jwtSecret) return;
  const log = loggerFor(config);
  if (signing.file) {
    log.info(
      `Development tokens are signed with the secret in ${signing.file}. Mint one: ${process.env.DATA_DIR ? `DATA_DIR=${config.dataDir} ` : ''}npm run token -- --role ADMIN (or --role EDITOR --organisation <id>); send it as "Authorization: Bearer <token>".`,
    );
    return;
  }
  // In memory the secret lives and dies with this process: no other command can sign for it. The
  // token is the one secret ever logged, deliberately (a development server with no other way to
  // get one); on its own line in the message, so a terminal shows it ready to copy.
  const token = await signToken(signing.secret, config.auth, { sub: 'dev-admin', role: Role.ADMIN }, '12h');
  log.info(`An ADMIN token for this in-memory server (12 h; send it as "Authorization: Bearer <token>"):\n${token}`);
}

/**
 * WORKERS > 1: this process migrates and seeds once, then forks the workers, which share the
 * port (node:cluster) and the PostgreSQL database; each has its own pool and event listener, as
 * separate instances would. A worker that dies is replaced; SIGTERM stops them all gracefully.
 */
async function supervise(config: Config): Promise<void> {
  const db = await openDatabase(config);
  try {
    await prepareDatabase(db, config);
  } finally {
    await db.close();
  }
  // METRICS_ENABLED: the workers' metrics aggregated here, for one scrape (on METRICS_PORT, or asked by a worker).
  await superviseMetrics(config);
  let stopping = false;
  const fork = () => cluster.fork({ RUN_MIGRATIONS: 'false', SEED_DEMO: 'false' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    loggerFor(config).error({ worker: worker.id, signal, code }, `worker ${worker.id} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 500);
  });
  for (let i = 0; i < config.workers; i += 1) fork();
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    loggerFor(config).info({ signal }, `${signal}: stopping ${config.workers} workers...`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), 30_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// A promise nobody waits for any more (say, the rest of a batch after one key failed) must not
// take every caller down with it: Node 20 would exit. It is a defect to log and fix, not a crash.
process.on('unhandledRejection', (reason) => {
  processLogger().error({ err: reason }, 'unhandled promise rejection (the server goes on)');
});

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) return supervise(config);
  return serve(config);
}

main().catch((error) => {
  // What an operator can fix is one line; anything else is a defect and keeps its stack.
  // A configuration error is one plain line on stderr: the logger's own settings may be what is wrong.
  if (error instanceof ConfigError) process.stderr.write(`Configuration error: ${error.message}\n`);
  else if (error instanceof StartupError) processLogger().fatal(`Cannot start: ${error.message}`);
  else processLogger().fatal({ err: error }, 'start-up failed');
  process.exit(1);
});
