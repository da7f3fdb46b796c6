/**
 * PostGraphile 4.14 over the bench database's `public` schema, as a production server would run
 * it: no GraphiQL, no watch, no query log, no default mutations; `dynamicJson` so JSON is JSON.
 * The dashboard reads the bench_ functions of bench/peers.ts as computed columns.
 */
import { postgraphile } from 'postgraphile4';
import { listen, peerPool } from './common.mjs';

const { pool, counter } = peerPool('pg4');
const middleware = postgraphile(pool, ['public'], {
  graphqlRoute: '/graphql',
  graphiql: false,
  watchPg: false,
  disableQueryLog: true,
  disableDefaultMutations: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: true,
  ignoreIndexes: true,
  enableQueryBatching: false,
  retryOnInitFail: false,
  extendedErrors: ['hint', 'detail', 'errcode'],
});

listen(
  'pg4',
  counter,
  (req, res) => middleware(req, res),
  () => middleware.release().then(() => pool.end()),
);
