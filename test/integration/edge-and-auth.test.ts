/* eslint-disable @typescript-eslint/no-require-imports -- each part is loaded inside its own describe block (test/helpers/group.ts) */
import { parts } from '../helpers/group';

// The edge settings (CORS, trusted documents, introspection) and JWKS verification.
parts({
  edge: () => require('./edge.part'),
  'auth-jwks': () => require('./auth-jwks.part'),
});
