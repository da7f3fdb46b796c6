/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// The migrations and the demo data on a database the server migrates itself (one for both parts),
// the synthetic generator, the IDE's saved questions.
parts(
  {
    'demo-data': () => require('./demo-data.part'),
    'schema-sync': () => require('./schema-sync.part'),
    synthetic: () => require('./synthetic.part'),
    'ide-questions': () => require('./ide-questions.part'),
  },
  { shareDefaultServer: true },
);
