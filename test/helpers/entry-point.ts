import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/*
 * Tests that start the real entry point (src/main.ts) as a child process used to run it through
 * ts-node's transpile-only mode: every child compiled the whole of src/ again (5-8 s of CPU each).
 * The global setup now transpiles src/ and migrations/ once per run, the same way (TypeScript's
 * transpileModule over tsconfig.json's options), and the children run that JavaScript with node.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** The folder of the global setup's transpiled copy for this run. */
export const ENTRY_POINT_BUILD_VAR = 'DVK_TEST_ENTRY_POINT_BUILD';

/** Transpiles src/ and migrations/ into `outDir` (with a node_modules link, so packages resolve as from the repository). */
export function buildEntryPoint(outDir: string): void {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('cannot read tsconfig.json');
  const compilerOptions = { ...parsed.options, sourceMap: false };
  for (const file of parsed.fileNames) {
    const relative = path.relative(ROOT, file);
    if (!/^(src|migrations)[\\/]/.test(relative) || file.endsWith('.d.ts')) continue;
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    const dest = path.join(outDir, relative.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, outputText);
  }
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(outDir, 'node_modules'), 'dir');
}

/**
 * The command (after `prefix`) that runs src/main.ts: node on the global setup's transpiled copy,
 * or ts-node when there is none (a test file loaded outside this suite's global setup).
 */
export function entryPointCommand(): string[] {
  const build = process.env[ENTRY_POINT_BUILD_VAR];
  if (build && fs.existsSync(path.join(build, 'src', 'main.js'))) return [process.execPath, path.join(build, 'src', 'main.js')];
  return [process.execPath, '-r', 'ts-node/register/transpile-only', path.join(ROOT, 'src', 'main.ts')];
}
