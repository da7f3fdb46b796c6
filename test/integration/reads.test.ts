/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// The read API on the default test server, one for the group: lists, Relay, the tree, summaries,
// meanings, federation.
parts(
  {
    queries: () => require('./queries.part'),
    relay: () => require('./relay.part'),
    tree: () => require('./tree.part'),
    summary: () => require('./summary.part'),
    semantics: () => require('./semantics.part'),
    federation: () => require('./federation.part'),
  },
  { shareDefaultServer: true },
);
