import 'reflect-metadata';
import { createHash } from 'node:crypto';
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
 * The snapshots are kept between runs in the temporary folder, by a hash of what they are made of
 * (src/, migrations/, the lockfile, this file, node's version): a second run of unchanged code, and
 * CI's embedded pass after its PostgreSQL pass, starts from them at once.
 */
export default async function globalSetup(): Promise<void> {
  // The entry point's child processes (startup, shutdown, workers tests) run one transpiled copy.
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-suite-entry-point-'));
  // Read by the test workers, which start after the global setup and inherit its environment.
  process.env[ENTRY_POINT_BUILD_VAR] = build;
  const built = prepareEntryPoint(build, `${SNAPSHOT_CACHE_PREFIX}${snapshotKey()}-entry-point`);
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

/** Where the snapshots of one key are kept, in the temporary folder. */
const SNAPSHOT_CACHE_PREFIX = 'dvk-suite-snapshots-';
/** Kept snapshots unused this long are removed (each run touches its own; a run lasts minutes). */
const SNAPSHOT_CACHE_UNUSED_MS = 60 * 60_000;
/**
 * The folders of transpiled test and source files that test/helpers/transform.js keeps (its
 * TRANSFORM_CACHE_PREFIX), removed after a day unused (each run's workers touch theirs), or once
 * they hold this many files (one per version of a file: they only grow while in use).
 */
const TRANSFORM_CACHE_PREFIX = 'dvk-suite-transforms-';
const TRANSFORM_CACHE_UNUSED_MS = 24 * 60 * 60_000;
const TRANSFORM_CACHE_MAX_FILES = 5_000;

/** A hash of everything the snapshots are made from. */
function snapshotKey(): string {
  const root = path.resolve(__dirname, '..', '..');
  const hash = createHash('sha256').update(process.version);
  const add = (file: string) => hash.update(`\0${path.relative(root, file)}\0`).update(fs.readFileSync(file));
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else add(file);
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'migrations'));
  // What the entry point's transpiled copy is made of, besides src/ and migrations/ (it is kept by the same key).
  walk(path.join(root, 'scripts'));
  add(path.join(root, 'tsconfig.json'));
  add(path.join(__dirname, 'build-entry-point.js'));
  add(path.join(root, 'package-lock.json'));
  add(__filename);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Removes kept snapshots (and unfinished builds) that no run has used for an hour, and the
 * transform cache's folders that no run has used for a day, or that have grown too large.
 */
function pruneSnapshotCache(keep: string): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const dir = path.join(os.tmpdir(), name);
    const snapshots = name.startsWith(SNAPSHOT_CACHE_PREFIX);
    if (!(snapshots || name.startsWith(TRANSFORM_CACHE_PREFIX)) || dir === keep) continue;
    try {
      const unused = Date.now() - fs.statSync(dir).mtimeMs;
      if (snapshots ? unused > SNAPSHOT_CACHE_UNUSED_MS : unused > TRANSFORM_CACHE_UNUSED_MS || fs.readdirSync(dir).length > TRANSFORM_CACHE_MAX_FILES)
        fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another run.
    }
  }
}

/**
 * The entry point's transpiled copy for this run, in `build`: copied from the one kept for this
 * code (in the temporary folder, beside the snapshots, by the same key), or transpiled now and
 * kept. Transpiling is 3 s of CPU on one core while the workers wait for the global setup; a copy
 * of the kept files takes a few milliseconds, in CI's embedded pass too (a clone in another
 * folder: the key is the files' content and their paths inside the repository).
 */
async function prepareEntryPoint(build: string, cacheName: string): Promise<void> {
  const kept = path.join(os.tmpdir(), cacheName);
  const linkName = 'node_modules';
  if (fs.existsSync(path.join(kept, 'complete'))) {
    fs.cpSync(kept, build, { recursive: true, filter: (source) => path.basename(source) !== 'complete' });
    // The packages resolve from this checkout's node_modules, as build-entry-point.js links them.
    fs.symlinkSync(fs.realpathSync(path.join(__dirname, '..', '..', linkName)), path.join(build, linkName), 'dir');
    const now = new Date();
    fs.utimesSync(kept, now, now);
    return;
  }
  await buildEntryPoint(build);
  const keeping = fs.mkdtempSync(`${kept}.building-`);
  try {
    fs.cpSync(build, keeping, { recursive: true, filter: (source) => source !== path.join(build, linkName) });
    fs.writeFileSync(path.join(keeping, 'complete'), '');
    fs.renameSync(keeping, kept);
  } catch {
    // Kept first by a run beside this one, or an unwritable temporary folder: the next run transpiles again.
  } finally {
    fs.rmSync(keeping, { recursive: true, force: true });
  }
}

/** The snapshots for this code: kept from an earlier run, or built now (and kept). */
async function prepareSnapshots(): Promise<void> {
  const dir = path.join(os.tmpdir(), `${SNAPSHOT_CACHE_PREFIX}${snapshotKey()}`);
  pruneSnapshotCache(dir);
  const complete = path.join(dir, 'complete');
  if (fs.existsSync(complete)) {
    console.log(`[tests] embedded snapshots kept from an earlier run of this code: ${dir}`);
  } else {
    const building = fs.mkdtempSync(`${dir}.building-`);
    try {
      await buildSnapshots(building);
      fs.writeFileSync(path.join(building, 'complete'), '');
      try {
        fs.renameSync(building, dir);
      } catch (error) {
        if (!fs.existsSync(complete)) throw error; // else a run beside this one kept the same snapshots first
      }
    } finally {
      fs.rmSync(building, { recursive: true, force: true });
    }
  }
  const now = new Date();
  fs.utimesSync(dir, now, now);
  process.env[SNAPSHOT_DIR_VAR] = dir;
}

/**
 * The migrated and the seeded snapshot of the embedded database, into `dir`. The template
 * databases are dropped first: nothing the tests do creates a database, and without their 15 MB
 * (of 41) each test server loads its snapshot in a third less CPU.
 */
async function buildSnapshots(dir: string): Promise<void> {
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
  await Promise.all([unpackDataDir(files.migrated, files.migratedDataDir), unpackDataDir(files.seeded, files.seededDataDir)]);
}

/**
 * The snapshot `tar` unpacked into a data folder on disk, as PGlite opens one (DATA_DIR, the
 * default of `npm start`). The tests that start the entry point as a child process give it a copy
 * (test/helpers/entry-point.ts): opening one costs the child a third of a second of CPU, where an
 * empty in-memory database costs it 4-5 s (initdb, then the migrations).
 */
async function unpackDataDir(tar: string, dataDir: string): Promise<void> {
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const pglite = await PGlite.create(dataDir, { extensions: { pg_trgm }, loadDataDir: new Blob([fs.readFileSync(tar)]) });
  await pglite.close();
}
