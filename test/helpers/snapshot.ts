import path from 'node:path';

/** The folder of the embedded snapshots the global setup wrote for this run (unset with DATABASE_URL). */
export const SNAPSHOT_DIR_VAR = 'DVK_TEST_SNAPSHOT_DIR';

/** The two snapshots in that folder: migrated only, and migrated with the demo data loaded. */
export function snapshotFiles(dir: string): { migrated: string; seeded: string } {
  return { migrated: path.join(dir, 'migrated.tar'), seeded: path.join(dir, 'seeded.tar') };
}
