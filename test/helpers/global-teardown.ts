import fs from 'node:fs';
import { ENTRY_POINT_BUILD_VAR } from './entry-point';
import { SNAPSHOT_DIR_VAR } from './snapshot';

/** Removes what the global setup wrote: the embedded snapshots and the entry point's transpiled copy. */
export default async function globalTeardown(): Promise<void> {
  for (const dir of [process.env[SNAPSHOT_DIR_VAR], process.env[ENTRY_POINT_BUILD_VAR]]) {
    // rm does not follow the copy's node_modules link: the repository's packages stay.
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
