/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// The unit tests, in one file: each test file costs its worker a fresh module registry (0.7-1.4 s
// of CPU here, most of it importing src/ again), which the parts of a group pay once.
parts({
  'config-bounds': () => require('./config-bounds.part'),
  'config-documented': () => require('./config-documented.part'),
  'demo-data': () => require('./demo-data.part'),
  'edge-config': () => require('./edge-config.part'),
  'input-lengths': () => require('./input-lengths.part'),
  'jit-codegen': () => require('./jit-codegen.part'),
  'jit-executor': () => require('./jit-executor.part'),
  'metrics-labels': () => require('./metrics-labels.part'),
  pagination: () => require('./pagination.part'),
  'replica-routing': () => require('./replica-routing.part'),
  'request-deadline': () => require('./request-deadline.part'),
  'schema-descriptions': () => require('./schema-descriptions.part'),
  'schema-diff': () => require('./schema-diff.part'),
  'shared-subscriber': () => require('./shared-subscriber.part'),
  'tracing-config': () => require('./tracing-config.part'),
  'translate-db-error': () => require('./translate-db-error.part'),
});
