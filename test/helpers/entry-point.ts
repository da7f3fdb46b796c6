import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SNAPSHOT_DIR_VAR, snapshotFiles } from './snapshot';

/*
 * Tests that start the real entry point (src/main.ts) as a child process used to run it through
 * ts-node's transpile-only mode: every child compiled the whole of src/ again (5-8 s of CPU each).
 * The global setup now transpiles src/ and migrations/ once per run, the same way (TypeScript's
 * transpileModule over tsconfig.json's options: build-entry-point.js), and the children run that
 * JavaScript with node.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** The folder of the global setup's transpiled copy for this run. */
export const ENTRY_POINT_BUILD_VAR = 'DVK_TEST_ENTRY_POINT_BUILD';

/** Transpiles src/, migrations/ and scripts/ into `outDir`, in a process of its own (so beside other set-up work). */
export function buildEntryPoint(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, 'build-entry-point.js'), outDir], { cwd: ROOT }, (error, _stdout, stderr) =>
      error ? reject(new Error(`transpiling the entry point failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

/**
 * The command (after a wrapper such as unshare, if any) that runs src/main.ts: node on the global
 * setup's transpiled copy, or ts-node when there is none (a test file run without this suite's
 * global setup).
 */
export function entryPointCommand(): string[] {
  return scriptCommand('src/main.ts');
}

/**
 * The command that runs `file` (a path inside the repository: src/main.ts, scripts/token.ts), as
 * entryPointCommand does: the transpiled copy when there is one, else ts-node.
 */
export function scriptCommand(file: string): string[] {
  const build = process.env[ENTRY_POINT_BUILD_VAR];
  const built = build && path.join(build, file.replace(/\.ts$/, '.js'));
  if (built && fs.existsSync(built)) return [process.execPath, built];
  return [process.execPath, '-r', 'ts-node/register/transpile-only', path.join(ROOT, file)];
}

/**
 * A DATA_DIR for a child process's embedded database: a fresh copy of the global setup's migrated
 * (or also seeded) data folder, so that the child starts on a database its start-up migrations
 * (and demo seed) find complete, as a restarted `npm start` does, instead of spending 4-5 s of CPU
 * on initdb and the migrations. In the run's transpiled-copy folder, which the global teardown
 * removes. Without the global setup's snapshots: an empty folder, which the child initialises.
 */
export function embeddedDataDir(kind: 'migrated' | 'seeded'): string {
  const snapshots = process.env[SNAPSHOT_DIR_VAR];
  const source = snapshots && snapshotFiles(snapshots)[kind === 'seeded' ? 'seededDataDir' : 'migratedDataDir'];
  const parent = fs.mkdtempSync(path.join(process.env[ENTRY_POINT_BUILD_VAR] ?? os.tmpdir(), `data-${kind}-`));
  const dataDir = path.join(parent, 'pglite');
  if (source && fs.existsSync(source)) fs.cpSync(source, dataDir, { recursive: true });
  return dataDir;
}
