import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Config } from '../config';
import { ChangeEvent } from '../events/change-event.entity';
import { CommunityModel } from '../models/model.entity';
import { ModelOrganisation } from '../models/model-organisation.entity';
import { Organisation } from '../organisations/organisation.entity';
import { PeriodReport } from '../periods/period-report.entity';
import { ReportingPeriod } from '../periods/reporting-period.entity';
import { ReplicationLink } from '../replications/replication-link.entity';
import { SUMMARY_ENTITIES } from '../summaries/summary-aggregate.entity';
import { guardConnections } from './request-scope';
import { CountingLogger } from './sql-stats';

export const ENTITIES = [Organisation, CommunityModel, ModelOrganisation, ReplicationLink, ReportingPeriod, PeriodReport, ChangeEvent, ...SUMMARY_ENTITIES];
export const MIGRATIONS_GLOB = path.resolve(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/** A DataSource plus what must be closed with it. */
export interface Database {
  dataSource: DataSource;
  embedded: boolean;
  /** The embedded database itself (its LISTEN feeds live updates); absent on PostgreSQL. */
  pglite?: PGlite;
  close(): Promise<void>;
}

type ConfigForDb = Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'logSql'>;

/**
 * Time bounds of a serving pool (see README, Configuration). Without them (migrations, bulk
 * loads, the TypeORM CLI) statements may run as long as they need.
 */
export type DbBounds = Pick<
  Config,
  'dbStatementTimeoutMs' | 'dbQueryTimeoutMs' | 'dbLockTimeoutMs' | 'dbIdleInTransactionTimeoutMs' | 'dbConnectTimeoutMs'
>;

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
    logger: new CountingLogger(config.logSql),
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
    extra: { max: config.dbPoolSize, ...pgBounds(bounds), options: '-c jit=off' },
  };
}

/**
 * Takes an exclusive lock on an embedded data folder: two processes on one PGlite folder
 * silently lose writes, so the second one must be refused with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, '..', `${path.basename(dataDir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (holder && isAlive(holder)) {
        throw new Error(
          `The embedded database at ${dataDir} is in use by process ${holder}. Stop that process, ` +
            'set DATA_DIR to another folder, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      fs.rmSync(lockFile, { force: true }); // stale lock of a process that died
    }
  }
  throw new Error(`Could not lock the embedded database folder ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
    await dataSource.initialize();
    guardConnections(dataSource, { abandon: true });
    // Already destroyed (a shutdown under way): what is left still closes.
    return { dataSource, embedded: false, close: async () => (dataSource.isInitialized ? dataSource.destroy() : undefined) };
  }
  const inMemory = config.dataDir.startsWith('memory://');
  const unlock = inMemory ? () => undefined : lockDataDir(config.dataDir);
  try {
    // The contrib typings resolve as ES modules only, so the extension is loaded with import().
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const pglite = await PGlite.create(inMemory ? config.dataDir : path.resolve(config.dataDir), {
      extensions: { pg_trgm },
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
