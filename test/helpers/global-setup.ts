import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/shared/config';
import { dumpEmbeddedSnapshot, openDatabase, postgresOptions } from '../../src/db/data-source';
import { seedDemoData } from '../../src/db/demo-seed';
import { buildEntryPoint, ENTRY_POINT_BUILD_VAR } from './entry-point';
import { SNAPSHOT_DIR_VAR, snapshotFiles } from './snapshot';

/**
 * With DATABASE_URL (CI, or a developer's PostgreSQL) the suite migrates that database once
 * before the test files start in parallel. Every embedded test server (all of them without
 * DATABASE_URL; with it, those of tests that need a database of their own, OWN_DATABASE) opens its
 * own in-memory database: migrating and seeding one costs seconds (initdb alone is 4 s of CPU), so
 * it is done once here, in both passes (the real migrations and demo seed, as the server runs them
 * at start) and dumped; each embedded test server starts from that dump (test/helpers/server.ts),
 * then runs its own start-up migrations and seed over it, which find nothing left to do.
 */
export default async function globalSetup(): Promise<void> {
  // The entry point's child processes (startup, shutdown, workers tests) run one transpiled copy.
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-suite-entry-point-'));
  // Read by the test workers, which start after the global setup and inherit its environment.
  process.env[ENTRY_POINT_BUILD_VAR] = build;
  const built = buildEntryPoint(build);
  try {
    await prepareDatabase();
  } finally {
    await built;
  }
}

async function prepareDatabase(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.log('\n[tests] DATABASE_URL is not set: each test server uses an embedded in-memory PGlite database, started from one migrated snapshot.');
    await prepareSnapshots();
    return;
  }
  console.log(`\n[tests] using PostgreSQL at ${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')}`);
  const ds = new DataSource(postgresOptions({ ...config, databaseUrl: config.databaseUrl }));
  await ds.initialize();
  try {
    await Promise.all([ds.runMigrations({ transaction: 'each' }), prepareSnapshots()]);
  } finally {
    await ds.destroy();
  }
}

/**
 * The migrated and the seeded snapshot of the embedded database. The template databases are
 * dropped first: nothing the tests do creates a database, and without their 15 MB (of 41) each
 * test server loads its snapshot in a third less CPU.
 */
async function prepareSnapshots(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-suite-snapshot-'));
  const files = snapshotFiles(dir);
  const db = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', dbPoolSize: 1, logSql: false });
  try {
    for (const template of ['template0', 'template1']) {
      // One statement each: DROP DATABASE cannot run inside the transaction of a multi-statement query.
      await db.dataSource.query(`ALTER DATABASE ${template} IS_TEMPLATE false`);
      await db.dataSource.query(`DROP DATABASE ${template}`);
    }
    await db.dataSource.runMigrations({ transaction: 'each' });
    await dumpEmbeddedSnapshot(db, files.migrated);
    await seedDemoData(db.dataSource);
    await dumpEmbeddedSnapshot(db, files.seeded);
  } finally {
    await db.close();
  }
  process.env[SNAPSHOT_DIR_VAR] = dir;
}
