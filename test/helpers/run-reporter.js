// Jest's default output (progress, then the summary), followed by the run's last lines: which
// tests did not run and what would make them run. Jest always prints its own summary after every
// custom reporter, so this one stands in for 'default' and prints the summary itself first.
// Plain JavaScript, since Jest loads reporters untransformed.
const fs = require('node:fs');
const path = require('node:path');
const { DefaultReporter, SummaryReporter } = require('@jest/reporters');

const NEEDS_CHROMIUM = 'needs Chromium'; // the marker test/helpers/browser.ts puts in skipped titles
const INSTALL_CHROMIUM = 'sudo apt-get install -y chromium';

class RunReporter extends DefaultReporter {
  constructor(globalConfig, options) {
    super(globalConfig);
    this.rootDir = globalConfig.rootDir;
    // With -t, the tests left out by the pattern are reported as skipped: that is not news.
    this.filtered = Boolean(globalConfig.testNamePattern);
    this.summary = new SummaryReporter(globalConfig, options);
  }

  onRunStart(results, options) {
    super.onRunStart(results, options);
    this.summary.onRunStart(results, options);
  }

  async onRunComplete(contexts, results) {
    super.onRunComplete();
    await this.summary.onRunComplete(contexts, results);
    this.printNotRun(results);
  }

  printNotRun(results) {
    const lines = [];
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') {
          skipped.push({ file: path.relative(this.rootDir, file.testFilePath), name: test.fullName });
        }
      }
    }
    const browserless = skipped.filter((t) => t.name.includes(`[${NEEDS_CHROMIUM}]`));
    if (browserless.length > 0) {
      lines.push(`${browserless.length} browser test(s) did not run: no Chromium was found (CHROMIUM_PATH, then the usual system paths).`);
      for (const t of browserless) lines.push(`  - ${t.file}: ${t.name.replace(` [${NEEDS_CHROMIUM}]`, '')}`);
      lines.push(`  To run them: ${INSTALL_CHROMIUM}   (or point CHROMIUM_PATH at a Chrome/Chromium binary), then npm test again.`);
    }
    const other = skipped.filter((t) => !browserless.includes(t));
    if (other.length > 0 && !this.filtered) {
      lines.push(`${other.length} other test(s) were skipped:`);
      for (const t of other) lines.push(`  - ${t.file}: ${t.name}`);
    }
    const postgresDir = path.join(this.rootDir, 'test', 'postgres');
    if (!process.env.DATABASE_URL && fs.existsSync(postgresDir)) {
      const files = fs.readdirSync(postgresDir).filter((f) => f.endsWith('.test.ts'));
      lines.push(`test/postgres/ (${files.length} files: several server instances on one database) did not run: it needs a real PostgreSQL.`);
      lines.push('  To run it: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<an existing database> npm test');
    }
    if (lines.length > 0) process.stderr.write(`\n${lines.join('\n')}\n`);
  }
}

module.exports = RunReporter;
