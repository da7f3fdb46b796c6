import { generateSynthetic, SYNTHETIC_PREFIX } from '../../bench/synthetic';
import { openDatabase, type Database } from '../../src/db/data-source';
import { SNAPSHOT_DIR_VAR, snapshotFiles } from '../helpers/snapshot';

let db: Database;
beforeAll(async () => {
  // Its own embedded database, so the synthetic city does not mix with the other tests' data:
  // from the global setup's migrated snapshot (the migrations below then find nothing to do).
  const snapshots = process.env[SNAPSHOT_DIR_VAR];
  const embeddedSnapshot = snapshots ? snapshotFiles(snapshots).migrated : undefined;
  db = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', dbPoolSize: 1, logSql: false, embeddedSnapshot });
  await db.dataSource.runMigrations();
});
afterAll(() => db?.close());

describe('synthetic data generator', () => {
  it('builds the requested sizes, marked synthetic, deterministically and idempotently, with consistent replica counts', async () => {
    const size = { organisations: 40, models: 300, links: 120, seed: 7 };
    await generateSynthetic(db.dataSource, size);
    await generateSynthetic(db.dataSource, size);
    const [counts] = await db.dataSource.query(
      `SELECT
      (SELECT count(*)::int FROM organisation WHERE name LIKE $1) o, (SELECT count(*)::int FROM model WHERE name LIKE $1) m,
      (SELECT count(*)::int FROM replication_link) l, (SELECT sum(replica_count)::int FROM model) r,
      (SELECT count(*)::int FROM organisation WHERE parent_id IS NULL) roots`,
      [`${SYNTHETIC_PREFIX}%`],
    );
    expect(counts).toEqual({ o: 40, m: 300, l: 120, r: 120, roots: 1 });
    // every model has at most one source, and following sources always ends (no cycle)
    const [cycle] = await db.dataSource.query(`WITH RECURSIVE up(id, depth) AS (
        SELECT target_model_id, 0 FROM replication_link
        UNION ALL SELECT rl.source_model_id, up.depth + 1 FROM up JOIN replication_link rl ON rl.target_model_id = up.id WHERE up.depth < 400)
      SELECT max(depth)::int AS deepest FROM up`);
    expect(cycle.deepest).toBeLessThan(300);
  });
});
