/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// Subscriptions, metrics, a database gone under a request, and the in-process spans (last: it installs tracing hooks for its part).
parts({
  subscriptions: () => require('./subscriptions.part'),
  metrics: () => require('./metrics.part'),
  'connection-gone': () => require('./connection-gone.part'),
  'tracing-spans': () => require('./tracing-spans.part'),
});
