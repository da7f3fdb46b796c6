// ts-jest (transpile only, as jest.config.js configures it), with what it makes also kept by each
// file's path inside the repository and its content, in the temporary folder beside the suite's
// snapshots. Jest's own cache of transformed files is keyed by the checkout's absolute path (and
// ts-jest's key by the whole Jest configuration, which differs between the PostgreSQL and the
// embedded pass): a fresh clone in a new folder, as CI's embedded pass runs, transpiled src/ and
// test/ again in each worker, 10-12 s of CPU per worker. Here it reads each file's output from
// the kept copy instead (the inline source map pointed at the file where it is now).
// Plain JavaScript, since Jest loads transformers untransformed.
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tsJest = require('ts-jest').default;

const ROOT = path.resolve(__dirname, '..', '..');
/** How ts-jest ends its output: the source map, inline (compiler-utils' updateOutput). */
const MAP_PREFIX = 'sourceMappingURL=data:application/json;charset=utf-8;base64,';
/** The folders of kept outputs start with this, in the temporary folder (global-setup.ts prunes old ones). */
const TRANSFORM_CACHE_PREFIX = 'dvk-suite-transforms-';

const sha = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`\0${part}`);
  return hash.digest('hex');
};

/** Everything besides a file's own path and text that its output depends on. */
function versionKey(options) {
  const version = (pkg) => JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }), 'utf8')).version;
  return sha(
    process.version,
    version('ts-jest'),
    version('typescript'),
    fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'),
    JSON.stringify(options ?? {}),
    fs.readFileSync(path.join(__dirname, 'transform.js'), 'utf8'),
  ).slice(0, 16);
}

function createTransformer(options) {
  const inner = tsJest.createTransformer(options);
  const dir = path.join(os.tmpdir(), `${TRANSFORM_CACHE_PREFIX}${versionKey(options)}`);
  try {
    // Used now: the global setup removes folders no run has used for a day.
    const now = new Date();
    fs.utimesSync(dir, now, now);
  } catch {
    // Not made yet.
  }
  const keptFile = (source, file, transformOptions) =>
    path.join(
      dir,
      `${sha(path.relative(ROOT, file), source, `esm:${!!transformOptions.supportsStaticESM}`, `instrument:${!!transformOptions.instrument}`).slice(0, 40)}.json`,
    );
  const withMap = (code, map, file) => `${code}${MAP_PREFIX}${Buffer.from(JSON.stringify({ ...map, file, sources: [file] }), 'utf8').toString('base64')}`;
  return {
    canInstrument: false,
    getCacheKey: (source, file, transformOptions) => inner.getCacheKey(source, file, transformOptions),
    process(source, file, transformOptions) {
      const kept = keptFile(source, file, transformOptions);
      try {
        const { code, map } = JSON.parse(fs.readFileSync(kept, 'utf8'));
        return { code: withMap(code, map, file) };
      } catch {
        // Not kept yet (or being written by another worker): transpiled below.
      }
      const result = inner.process(source, file, transformOptions);
      const at = result.code.lastIndexOf(MAP_PREFIX);
      if (at === -1) return result;
      try {
        const map = JSON.parse(Buffer.from(result.code.slice(at + MAP_PREFIX.length), 'base64').toString('utf8'));
        delete map.file;
        delete map.sources;
        fs.mkdirSync(dir, { recursive: true });
        // Written aside and renamed: a worker beside this one never reads half a file.
        const aside = `${kept}.${process.pid}.tmp`;
        fs.writeFileSync(aside, JSON.stringify({ code: result.code.slice(0, at), map }));
        fs.renameSync(aside, kept);
      } catch {
        // An unwritable temporary folder only costs the next run its transpiling.
      }
      return result;
    },
  };
}

module.exports = { createTransformer, TRANSFORM_CACHE_PREFIX };
