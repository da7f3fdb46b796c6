import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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

/** Transpiles src/ and migrations/ into `outDir`, in a process of its own (so beside other set-up work). */
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
  const build = process.env[ENTRY_POINT_BUILD_VAR];
  if (build && fs.existsSync(path.join(build, 'src', 'main.js'))) return [process.execPath, path.join(build, 'src', 'main.js')];
  return [process.execPath, '-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')];
}
