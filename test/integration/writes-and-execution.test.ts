/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// Mutations and the write paths, the executors, DataLoader batching (mutations and executor on one
// default test server; write-paths on a database of its own, dataloader with its own settings).
parts(
  {
    mutations: () => require('./mutations.part'),
    'write-paths': () => require('./write-paths.part'),
    executor: () => require('./executor.part'),
    dataloader: () => require('./dataloader.part'),
  },
  { shareDefaultServer: true },
);
