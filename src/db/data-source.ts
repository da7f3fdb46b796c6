import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { StartupError, type Config } from '../shared/config';
import { ChangeEvent } from '../events/change-event.entity';
import { CommunityModel } from '../models/model.entity';
import { ModelOrganisation } from '../models/model-organisation.entity';
import { Organisation } from '../organisations/organisation.entity';
import { PeriodReport } from '../periods/period-report.entity';
import { ReportingPeriod } from '../periods/reporting-period.entity';
import { ReplicationLink } from '../replications/replication-link.entity';
import { SUMMARY_ENTITIES } from '../summaries/summary-aggregate.entity';
import { ReplicaSet } from './replicas';
import { deadlineScope, guardConnections, requestScope } from './request-scope';
import { CountingLogger } from './sql-stats';
import { loggerFor, processLogger, type LogSettings } from '../shared/logger';

export const ENTITIES = [Organisation, CommunityModel, ModelOrganisation, ReplicationLink, ReportingPeriod, PeriodReport, ChangeEvent, ...SUMMARY_ENTITIES];
export const MIGRATIONS_GLOB = path.resolve(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/** A DataSource plus what must be closed with it. */
export interface Database {
  dataSource: DataSource;
  embedded: boolean;
  /** The embedded database itself (its LISTEN feeds live updates); absent on PostgreSQL. */
  pglite?: PGlite;
  /** The read replicas (DATABASE_REPLICA_URLS) of a serving pool; null without any. */
  replicas: ReplicaSet | null;
  close(): Promise<void>;
}

type ConfigForDb = Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'logSql'> &
  Partial<
    Pick<
      Config,
      | 'embeddedSnapshot'
      | 'databaseReplicaUrls'
      | 'replicaMaxLagMs'
      | 'replicaCheckIntervalMs'
      | 'replicaCheckTimeoutMs'
      | 'logLevel'
      | 'logPretty'
      | 'logDestination'
    >
  >;

/**
 * Time bounds of a serving pool (see README, Configuration). Without them (migrations, bulk
 * loads, the TypeORM CLI) statements may run as long as they need.
 */
export type DbBounds = Pick<Config, 'dbStatementTimeoutMs' | 'dbQueryTimeoutMs' | 'dbLockTimeoutMs' | 'dbIdleInTransactionTimeoutMs' | 'dbConnectTimeoutMs'>;

/** pg's connection options for these bounds (a 0 leaves the server's default). */
function pgBounds(bounds: DbBounds | undefined): Record<string, unknown> {
  if (!bounds) return { connectionTimeoutMillis: 5000 };
  const positive = (value: number) => (value > 0 ? value : undefined);
  return {
    // Opening a connection, and waiting for a free one in the pool ("timeout exceeded when trying to connect").
    connectionTimeoutMillis: bounds.dbConnectTimeoutMs,
    // Sent in the startup packet: the server cancels a statement (57014) or a lock wait (55P03),
    // and ends a session left idle inside a transaction (25P03), releasing its locks.
    statement_timeout: positive(bounds.dbStatementTimeoutMs),
    lock_timeout: positive(bounds.dbLockTimeoutMs),
    idle_in_transaction_session_timeout: positive(bounds.dbIdleInTransactionTimeoutMs),
    // Client side: a server that cannot answer at all (frozen, or cut off without a reset) is
    // given up on; the guard then destroys the connection (request-scope.ts).
    query_timeout: positive(bounds.dbQueryTimeoutMs),
    // A peer gone without a reset is found by TCP keepalive instead of the kernel's default hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

function baseOptions(config: ConfigForDb) {
  return {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no uuid-ossp extension needed.
    uuidExtension: 'pgcrypto' as const,
    // Extensions are created by the migrations, never implicitly at connect time.
    installExtensions: false,
    logger: new CountingLogger(config.logSql, config.logLevel ? loggerFor(config as LogSettings) : processLogger()),
    maxQueryExecutionTime: 1000,
  };
}

/** The DataSource options for a real PostgreSQL (used by the app and by the TypeORM CLI). */
export function postgresOptions(config: ConfigForDb & { databaseUrl: string }, bounds?: DbBounds): DataSourceOptions {
  return {
    ...baseOptions(config),
    url: config.databaseUrl,
    // JIT off: the API runs many short statements, and compiling one costs more than running it
    // (a plan over the JIT cost threshold, e.g. a large subtree count, would pay tens of ms).
    extra: poolOptions(config, bounds),
  };
}

/** pg's pool options of a PostgreSQL pool: its size and bounds; the replicas' pools get the same. */
function poolOptions(config: Pick<Config, 'dbPoolSize'>, bounds?: DbBounds) {
  return { max: config.dbPoolSize, ...pgBounds(bounds), options: '-c jit=off' };
}

/**
 * The serving pool's replicas, health-checked in the background against the primary's WAL
 * position (read with the readiness bound); null without DATABASE_REPLICA_URLS.
 */
async function openReplicas(dataSource: DataSource, config: ConfigForDb, bounds: DbBounds): Promise<ReplicaSet | null> {
  const urls = config.databaseReplicaUrls ?? [];
  if (urls.length === 0) return null;
  const settings = {
    urls,
    maxLagMs: config.replicaMaxLagMs ?? 2_000,
    checkIntervalMs: config.replicaCheckIntervalMs ?? 1_000,
    checkTimeoutMs: config.replicaCheckTimeoutMs ?? 1_000,
  };
  const primaryLsn = async () => {
    // Its own deadline, and outside any request: the primary answers it.
    const { scope, done } = deadlineScope(settings.checkTimeoutMs, null, 'replica check');
    try {
      const [row]: Array<{ lsn: string }> = await requestScope.run(scope, () => dataSource.query('SELECT pg_current_wal_lsn()::text AS lsn'));
      return row.lsn;
    } finally {
      done();
    }
  };
  const replicas = new ReplicaSet(settings, poolOptions(config, bounds), primaryLsn);
  await replicas.start();
  return replicas;
}

/** Data folders this process has locked: opening one twice in a process is refused too. */
const lockedHere = new Set<string>();

/** The start time of a process in clock ticks since boot (Linux), to tell it from a later one with its pid. */
function processStartTime(pid: number | 'self'): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces and parentheses, so count after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the process a lock file names still holds it. A pid alone is not enough: after a crash
 * the pid may belong to another process, or to this very one (in a container the server is
 * always pid 1, so a crashed server's lock names the pid of its replacement). Where /proc tells
 * process start times, the lock records the holder's and must match it.
 */
export function lockIsHeld(content: string): boolean {
  const [pidText, startTime] = content.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // this process is only now taking it (lockedHere covers a second open)
  if (!isAlive(pid)) return false;
  const actual = startTime ? processStartTime(pid) : null;
  return actual === null || actual === startTime;
}

/**
 * Takes an exclusive lock on an embedded data folder: two processes on one PGlite folder
 * silently lose writes, so the second one must be refused with a clear message.
 */
export function lockDataDir(dataDir: string): () => void {
  const folder = path.resolve(dataDir);
  if (lockedHere.has(folder)) throw new StartupError(`the embedded database at ${folder} is already open in this process.`);
  fs.mkdirSync(folder, { recursive: true });
  const lockFile = path.join(folder, '..', `${path.basename(folder)}.lock`);
  const content = [process.pid, processStartTime('self')].filter((part) => part !== null).join(' ');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(lockFile, content, { flag: 'wx' });
      lockedHere.add(folder);
      return () => {
        lockedHere.delete(folder);
        fs.rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = fs.readFileSync(lockFile, 'utf8');
      if (lockIsHeld(holder)) {
        throw new StartupError(
          `the embedded database at ${folder} is in use by process ${holder.split(' ')[0]}. Stop that process, ` +
            'set DATA_DIR to another folder, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      fs.rmSync(lockFile, { force: true }); // stale lock of a process that died
    }
  }
  throw new StartupError(`could not lock the embedded database folder ${folder}; another process keeps taking ${lockFile}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where DATABASE_URL points, for messages: host, port and database, never the password. */
function describeUrl(databaseUrl: string): { where: string; database: string; user: string } {
  try {
    const url = new URL(databaseUrl);
    return {
      where: `${url.hostname || 'localhost'}:${url.port || '5432'}`,
      database: decodeURIComponent(url.pathname.slice(1)) || '(default)',
      user: decodeURIComponent(url.username) || '(default)',
    };
  } catch {
    return { where: '(unparsable DATABASE_URL)', database: '?', user: '?' };
  }
}

/** A failure to connect at start, as one line that names the server and what to check. */
function connectError(error: unknown, databaseUrl: string): unknown {
  const { where, database, user } = describeUrl(databaseUrl);
  const e = error as { code?: string; message?: string };
  const network: Record<string, string> = {
    ECONNREFUSED: 'nothing is listening there',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name could not be resolved right now',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'the host is unreachable',
    ECONNRESET: 'the connection was reset',
  };
  if (e.code && network[e.code])
    return new StartupError(
      `cannot reach PostgreSQL at ${where} (DATABASE_URL): ${network[e.code]}. Is it running, and is DATABASE_URL right? Unset DATABASE_URL to use the embedded database.`,
    );
  if (/timeout/i.test(e.message ?? ''))
    return new StartupError(`cannot reach PostgreSQL at ${where} (DATABASE_URL): the connection timed out. Is it running, and is DATABASE_URL right?`);
  if (e.code === '3D000')
    return new StartupError(
      `PostgreSQL at ${where} has no database "${database}". Create it (createdb -h ${where.split(':')[0]} -p ${where.split(':')[1]} ${database}) or fix DATABASE_URL.`,
    );
  if (e.code === '28P01' || e.code === '28000')
    return new StartupError(
      `PostgreSQL at ${where} refused user "${user}": ${e.code === '28P01' ? 'wrong password' : 'not allowed to connect (pg_hba.conf)'}. Fix DATABASE_URL.`,
    );
  if (e.code === '57P03') return new StartupError(`PostgreSQL at ${where} is starting up or shutting down; try again in a moment.`);
  return error;
}

/**
 * Writes the embedded database's data folder to `file` (a tar, as PGlite's dumpDataDir makes it),
 * for `embeddedSnapshot` to start from later.
 */
export async function dumpEmbeddedSnapshot(db: Database, file: string): Promise<void> {
  if (!db.pglite) throw new Error('only an embedded database can be dumped to a snapshot');
  // Its WAL up to here applied to the data files: a start from the dump has no records to redo.
  await db.pglite.exec('CHECKPOINT');
  const dump = await db.pglite.dumpDataDir('none');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed: a reader never sees half a file.
  fs.writeFileSync(`${file}.${process.pid}.tmp`, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
}

/**
 * Opens PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite database. With
 * `bounds` (the serving pool) every statement is time-bounded and each connection passes through
 * the request guard (request-scope.ts: per-request share of the pool, request deadline).
 * On the embedded database, a single in-process session, statement_timeout has no effect (PGlite
 * has no timer interrupts): there only the request deadline applies, to waiting for the session.
 */
export async function openDatabase(config: ConfigForDb, bounds?: DbBounds): Promise<Database> {
  if (config.databaseUrl) {
    const dataSource = new DataSource(postgresOptions({ ...config, databaseUrl: config.databaseUrl }, bounds));
    await dataSource.initialize().catch((error: unknown) => {
      throw connectError(error, config.databaseUrl as string);
    });
    // Only a serving pool (with bounds) reads from replicas; migrations and scripts never do.
    const replicas = bounds ? await openReplicas(dataSource, config, bounds) : null;
    guardConnections(dataSource, { abandon: true, replicas });
    return {
      dataSource,
      embedded: false,
      replicas,
      close: async () => {
        await replicas?.close();
        // Already destroyed (a shutdown under way): what is left still closes.
        if (dataSource.isInitialized) await dataSource.destroy();
      },
    };
  }
  const inMemory = config.dataDir.startsWith('memory://');
  if (config.embeddedSnapshot && !inMemory) throw new StartupError('an embedded snapshot can only be loaded into an in-memory database (DATA_DIR=memory://).');
  const unlock = inMemory ? () => undefined : lockDataDir(config.dataDir);
  try {
    // Loaded here, only for the embedded database: a server on PostgreSQL never holds PGlite's
    // two 0.5 MB bundles (their source and compiled code). require(), as a static import was: the
    // same CommonJS build of PGlite and its node-postgres adapter.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const { createPgConfig } = require('@electric-sql/pglite/node-postgres') as typeof import('@electric-sql/pglite/node-postgres');
    /* eslint-enable @typescript-eslint/no-require-imports */
    // The contrib typings resolve as ES modules only, so the extension is loaded with import().
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const pglite = await PGlite.create(inMemory ? config.dataDir : path.resolve(config.dataDir), {
      extensions: { pg_trgm },
      // In memory, every page already sits in PGlite's in-memory file system: a buffer pool of the
      // default 128 MB would hold a second copy, and zeroing it was most of each start's CPU
      // (0.4-0.6 s per start against 0.25-0.3 with 16 MB). On disk the default stays. Its WAL, in
      // memory too, in segments of 1 MB instead of 16 (initdb's --wal-segsize, for a new cluster):
      // a snapshot dumped from it (dumpEmbeddedSnapshot) is 16 MB instead of 26, and each start
      // from one unpacks that much less. Old segments removed rather than recycled (wal_recycle=off,
      // set by initdb for its own run and in postgresql.conf): initdb otherwise leaves 5-6 unused ones
      // for later, which every snapshot carried (12 MB now).
      ...(inMemory
        ? { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'], initDbStartParams: ['--wal-segsize=1', '-c', 'wal_recycle=off'] }
        : {}),
      // A data folder dumped earlier (dumpEmbeddedSnapshot): starts from it instead of an empty cluster.
      ...(config.embeddedSnapshot ? { loadDataDir: new Blob([fs.readFileSync(config.embeddedSnapshot)]) } : {}),
    });
    const pgConfig = createPgConfig(pglite);
    // PGlite is one session: a pool of one connection serialises transactions safely.
    const dataSource = new DataSource({ ...baseOptions(config), extra: { ...pgConfig, max: 1 } } as DataSourceOptions);
    await dataSource.initialize();
    guardConnections(dataSource, { abandon: false });
    return {
      dataSource,
      embedded: true,
      pglite,
      replicas: null,
      close: async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
        await pglite.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}
