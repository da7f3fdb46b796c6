/**
 * PostGraphile 5 (the amber preset, grafserv on node:http) over the bench database's `public`
 * schema: no GraphiQL (ruru), no watch, no default mutations. The dashboard reads the bench_
 * functions of bench/peers.ts as computed columns. Node 20 lacks Promise.withResolvers, which
 * grafast needs: with-resolvers.mjs adds it before PostGraphile loads.
 */
import './with-resolvers.mjs';
import { listen, peerPool } from './common.mjs';

const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');

const { pool, counter } = peerPool('pg5');
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  disablePlugins: ['MutationPlugin'],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: { explain: false },
  schema: { pgForbidSetofFunctionsToReturnNull: true },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const handler = serv.createHandler();
// Builds the schema now (introspection), so /readyz answers only when /graphql can.
await pgl.getSchema();
listen(
  'pg5',
  counter,
  (req, res) => handler(req, res),
  () => pgl.release().then(() => pool.end()),
);
