import fs from 'node:fs';
import { ENTRY_POINT_BUILD_VAR } from './entry-point';

/**
 * Removes the entry point's transpiled copy the global setup wrote. The embedded snapshots stay
 * for the next run of the same code (the global setup removes those no run has used for an hour).
 */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[ENTRY_POINT_BUILD_VAR];
  // rm does not follow the copy's node_modules link: the repository's packages stay.
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
