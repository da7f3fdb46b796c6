/**
 * The layout's rules (README, "Layout"), checked in CI by `npm run lint:deps`:
 * features → shared/, shared/ imports nothing outside itself, nothing but the entry points imports
 * the composition root (src/app/), and no import cycles, type-only imports included.
 */
const FEATURES = '^src/(organisations|periods|models|replications|summaries|events|ide|nodes)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules form no cycle, not even through type-only imports: a cycle means two places know each other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-is-a-leaf',
      severity: 'error',
      comment: 'src/shared/ is the base every feature builds on: it imports nothing of the service.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(?!shared/)' },
    },
    {
      name: 'features-do-not-import-the-root',
      severity: 'error',
      comment: 'Features get what they need injected; only src/main.ts and the tools assemble the root.',
      from: { path: FEATURES },
      to: { path: '^src/(app|db)/' },
    },
    {
      name: 'db-does-not-import-the-root',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/app/' },
    },
    {
      name: 'product-does-not-import-tests-or-tools',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules|bench/peers)/' },
  },
};
