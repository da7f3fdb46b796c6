/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // test/postgres/ needs a real PostgreSQL shared by several server instances: it runs in the
  // PostgreSQL pass (DATABASE_URL set, as in CI's first pass), not in the embedded one.
  testPathIgnorePatterns: process.env.DATABASE_URL ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/postgres/'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (tsconfig.json with isolatedModules): type-checking every test file's imports
  // again in each worker cost seconds per file. Types are checked once, over src/ and test/ alike,
  // by `npm run typecheck` (tsc --noEmit), which CI runs before the tests (.ci/run). ts-jest, with
  // its output also kept by path inside the repository, for a fresh clone (see the file).
  transform: { '^.+\\.ts$': ['<rootDir>/test/helpers/transform.js', { tsconfig: { isolatedModules: true }, diagnostics: { ignoreCodes: [151002] } }] },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
  // Jest's default output, then the run's last lines: which tests did not run, and what they need.
  reporters: ['<rootDir>/test/helpers/run-reporter.js'],
  // Slowest files first, from the durations of earlier runs, in a fresh clone too (see the file).
  testSequencer: '<rootDir>/test/helpers/sequencer.js',
  // Each test file starts its own server; two workers fit the 2-core machines we run on.
  maxWorkers: 2,
};
