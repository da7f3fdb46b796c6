// Runs the slowest test files first, also in a fresh clone. Jest does that from its cache of
// durations, but keys that cache by the checkout's absolute path: a clone in a new folder (CI's
// embedded pass) has none and falls back to file sizes, which start a short file that runs for
// long (a heap measurement, child processes, a browser) last, and one worker then finishes it
// alone. This sequencer also records each file's duration by its path inside the repository, in
// one file in the temporary folder, and uses that where Jest's own cache has nothing: the
// embedded pass in CI orders itself by the durations the PostgreSQL pass just measured.
// Plain JavaScript, since Jest loads the sequencer untransformed.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const TestSequencer = require('@jest/test-sequencer').default;

/** One small JSON file (an entry per test file of the last run that ran it), rewritten each run. */
const DURATIONS_FILE = path.join(os.tmpdir(), 'dvk-suite-durations.json');

function readDurations() {
  try {
    return JSON.parse(fs.readFileSync(DURATIONS_FILE, 'utf8'));
  } catch {
    return {};
  }
}

/** A file's size, and that of each part it requires (`require('./x.part')`). */
function sizeWithParts(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    let total = text.length;
    for (const [, part] of text.matchAll(/require\('(\.\/[^']+\.part)'\)/g)) total += fs.statSync(path.resolve(path.dirname(file), `${part}.ts`)).size;
    return total;
  } catch {
    return 0;
  }
}

class DurationSequencer extends TestSequencer {
  constructor(options) {
    super(options);
    this.recorded = readDurations();
  }

  relative(test) {
    return path.relative(test.context.config.rootDir, test.path);
  }

  time(test) {
    return super.time(test) ?? this.recorded[this.relative(test)];
  }

  /**
   * As Jest sorts (failed first, then files without a duration by size, then the slowest first),
   * except that a group file's size (test/helpers/group.ts) counts its parts: a group is a short
   * file that runs for long.
   */
  sort(tests) {
    for (const test of tests) test.duration = this.time(test);
    const sizes = new Map();
    const size = (test) => {
      if (!sizes.has(test.path)) sizes.set(test.path, sizeWithParts(test.path));
      return sizes.get(test.path);
    };
    return tests.sort((a, b) => {
      if (this.hasFailed(a) !== this.hasFailed(b)) return this.hasFailed(a) ? -1 : 1;
      if ((a.duration == null) !== (b.duration == null)) return a.duration == null ? -1 : 1;
      if (a.duration != null && b.duration != null) return b.duration - a.duration;
      return size(b) - size(a);
    });
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    const byPath = new Map(tests.map((test) => [test.path, test]));
    // Only files that still exist: the file stays one entry per test file.
    const root = tests[0]?.context.config.rootDir;
    const durations = Object.fromEntries(Object.entries(readDurations()).filter(([file]) => root && fs.existsSync(path.join(root, file))));
    for (const result of results.testResults) {
      const test = byPath.get(result.testFilePath);
      const { runtime, start, end } = result.perfStats;
      if (test && !result.skipped) durations[this.relative(test)] = runtime ?? end - start;
    }
    try {
      fs.writeFileSync(`${DURATIONS_FILE}.${process.pid}`, JSON.stringify(durations));
      fs.renameSync(`${DURATIONS_FILE}.${process.pid}`, DURATIONS_FILE);
    } catch {
      // An unwritable temporary folder only costs the next run its order.
    }
  }
}

module.exports = DurationSequencer;
