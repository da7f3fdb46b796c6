/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// Server limits, the pool's bounds, the request log, the rate limit.
parts({
  'server-limits': () => require('./server-limits.part'),
  deadline: () => require('./deadline.part'),
  logs: () => require('./logs.part'),
  'rate-limit': () => require('./rate-limit.part'),
});
