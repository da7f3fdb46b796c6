import path from 'node:path';

/** The folder of the embedded snapshots the global setup wrote for this run (unset with DATABASE_URL). */
export const SNAPSHOT_DIR_VAR = 'DVK_TEST_SNAPSHOT_DIR';

/**
 * The two snapshots in that folder: migrated only, and migrated with the demo data loaded; each as
 * a tar (for an in-memory database) and as a data folder on disk (for a child process's DATA_DIR,
 * copied first: test/helpers/entry-point.ts).
 */
export function snapshotFiles(dir: string): { migrated: string; seeded: string; migratedDataDir: string; seededDataDir: string } {
  return {
    migrated: path.join(dir, 'migrated.tar'),
    seeded: path.join(dir, 'seeded.tar'),
    migratedDataDir: path.join(dir, 'migrated-data', 'pglite'),
    seededDataDir: path.join(dir, 'seeded-data', 'pglite'),
  };
}
