// Transpiles src/, migrations/ and scripts/ into the folder given as argument, for the tests that start the
// real entry point (or a script, such as the token command) as a child process (test/helpers/entry-point.ts): TypeScript's transpileModule
// over tsconfig.json's options, file by file, as ts-node's transpile-only mode compiles them. A
// node_modules link in that folder makes packages resolve as from the repository.
// Plain JavaScript, run by the global setup as a process of its own (beside the database snapshot).
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..', '..');
const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node build-entry-point.js OUT_DIR');

const parsed = ts.getParsedCommandLineOfConfigFile(
  path.join(ROOT, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
if (!parsed) throw new Error('cannot read tsconfig.json');
const compilerOptions = { ...parsed.options, sourceMap: false };
for (const file of parsed.fileNames) {
  const relative = path.relative(ROOT, file);
  if (!/^(src|migrations|scripts)[\\/]/.test(relative) || file.endsWith('.d.ts')) continue;
  const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
  const dest = path.join(outDir, relative.replace(/\.ts$/, '.js'));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, outputText);
}
fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(outDir, 'node_modules'), 'dir');
