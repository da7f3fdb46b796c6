import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dashboardQuery } from './dashboard';
import { OUT_DIR, ROOT, START_NODE_FLAGS, log, oursEnv, startChild, stopChild } from './support';

/*
 * How many V8 maps (hidden classes) our server makes per request once warm, from V8's own map log
 * (--log-maps). A warm server should make none: the objects of every request share the maps of
 * the requests before. An object that gets a map of its own (its prototype changed after it was
 * made, a spread followed by more properties in optimised code, an object made by
 * `Reflect.construct` with another `new.target`) costs a map in the old generation for each, and
 * V8 then keeps what the request made through the young-generation collections after it
 * (`node dist/bench/survivors.js`). Requests are sent one after another: warm-up first, then the
 * counted ones; the table gives the map events per counted request and the commonest kinds, as
 * V8 names them (`Transition` with the property added, `NormalizeCached` with its reason).
 *
 *   node dist/bench/maps.js [--requests 300] [--warmup 300] [--ours dist/src/main.js]
 *
 * DATABASE_URL: a database `npm run bench` has seeded (the synthetic city at 1x).
 */

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '300' },
    ours: { type: 'string', default: path.join(ROOT, 'dist', 'src', 'main.js') },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
if (!(requests > 0) || !(warmup >= 0)) throw new Error('--requests must be positive and --warmup at least 0');

interface Target {
  label: string;
  path: string;
  query?: string;
}

const TARGETS: Target[] = [
  { label: 'GET /healthz', path: '/healthz' },
  { label: 'POST /graphql { __typename }', path: '/graphql', query: '{ __typename }' },
  { label: 'the dashboard without summary', path: '/graphql', query: dashboardQuery(false) },
  { label: 'the dashboard with summary', path: '/graphql', query: dashboardQuery(true) },
];

async function send(base: string, target: Target, count: number): Promise<void> {
  const init: RequestInit | undefined = target.query
    ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: target.query }) }
    : undefined;
  for (let i = 0; i < count; i += 1) {
    const res = await fetch(base + target.path, init);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${target.path}: HTTP ${res.status}`);
  }
}

/** The map events written after `offset`: [kind, count] by commonness. */
function mapEvents(file: string, offset: number): { total: number; kinds: Array<[string, number]> } {
  const text = fs.readFileSync(file, 'utf8').slice(offset);
  const kinds = new Map<string, number>();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('map,')) continue;
    // map,<event>,<time>,<from>,<to>,<pc>,<line>,<column>,<reason>,<name>
    const fields = line.split(',');
    const kind = `${fields[1]} ${fields[8] ? `(${fields[8]}) ` : ''}${fields.slice(9).join(',')}`.trim();
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    total += 1;
  }
  return { total, kinds: [...kinds].sort((a, b) => b[1] - a[1]) };
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must name a database `npm run bench` has seeded');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  console.log(`\n### V8 maps made per request, once warm (${values.ours}; ${warmup} requests of warm-up, ${requests} counted, one after another)\n`);
  console.log('| request | maps per request | commonest |');
  console.log('|---|---:|---|');
  for (const target of TARGETS) {
    const mapLog = path.join(OUT_DIR, 'maps-v8.log');
    fs.rmSync(mapLog, { force: true });
    const server = await startChild('maps', values.ours!, oursEnv(process.env.DATABASE_URL), [
      ...START_NODE_FLAGS.split(' ').filter(Boolean),
      '--log-maps',
      '--no-log-maps-details',
      '--no-logfile-per-isolate',
      `--logfile=${mapLog}`,
    ]);
    try {
      const base = server.url.replace(/\/graphql$/, '');
      await send(base, target, warmup);
      const offset = fs.statSync(mapLog).size;
      await send(base, target, requests);
      const { total, kinds } = mapEvents(mapLog, offset);
      const commonest = kinds
        .slice(0, 4)
        .map(([kind, n]) => `${kind.replace(/\|/g, '/')} ×${n}`)
        .join('; ');
      console.log(`| ${target.label} | ${(total / requests).toFixed(2)} | ${commonest || '—'} |`);
    } finally {
      await stopChild(server);
      fs.rmSync(mapLog, { force: true });
    }
  }
  log('done');
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
