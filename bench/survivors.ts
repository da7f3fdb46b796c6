import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dashboardQuery } from './dashboard';
import { OUT_DIR, ROOT, START_NODE_FLAGS, freePort, log, oursEnv, startChild, stopChild } from './support';

/*
 * How much of the young generation survives each scavenge (V8's --trace-gc-nvp), under requests
 * sent one after another, so that at most one request is in flight: what survives then is held
 * past its request. Each server runs in a child process with `npm start`'s V8 flags:
 *   - a raw `http` handler; the same handler giving `req` and `res` new prototypes with
 *     `Object.setPrototypeOf`, as express's `app.handle` does; and the same handler making an
 *     AbortController's signal per request (Node 20 makes the signal with Object.setPrototypeOf);
 *   - a minimal express app behind `http.createServer(app)`;
 *   - the same app behind src/app/http's `expressHttpServer(app)`, which makes requests and
 *     responses with the app's prototypes;
 *   - ours (dist/src/main.js), on GET /healthz, and on POST /graphql with `{ __typename }`, with
 *     the dashboard and with 50 organisations (id, name); the last two also with V8's
 *     allocation-site pretenuring on (npm start turns it off). These need DATABASE_URL, a
 *     database `npm run bench` has seeded;
 *   - node-postgres alone (no HTTP, no TypeORM): one 50-row statement after another through
 *     `client.query`'s promise form, with pretenuring on and off, and through its callback form;
 *   - a loop that hangs 3,000 new objects per iteration on a new key: as the key's value in a
 *     WeakMap the process keeps, as a property of the key, and as the value of an old key.
 * Requests are sent for --warmup seconds first (tiering, caches, pools: a server's first half
 * minute keeps more than it does later), and only the scavenges of the --seconds after count.
 * `--only <text>` runs the rows whose name contains it.
 *
 *   node dist/bench/survivors.js [--warmup 30] [--seconds 10] [--only <text>]
 */

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, warmup: { type: 'string', default: '30' }, only: { type: 'string', default: '' } },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
if (!(seconds > 0) || !(warmup >= 0)) throw new Error('--seconds must be a positive number and --warmup a number of seconds');

/** npm start's V8 flags, and the same with V8's allocation-site pretenuring left on (its default). */
const FLAGS = START_NODE_FLAGS.split(' ').filter(Boolean);
const PRETENURING = FLAGS.filter((flag) => flag !== '--no-allocation-site-pretenuring');

interface Scavenges {
  count: number;
  /** Median of new_space_survive_rate_ over the scavenges after the warm-up. */
  survivedPercent: number;
  promotedMb: number;
}

function scavengeLines(logFile: string): Array<Record<string, string>> {
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('gc=s '))
    .map((line) => Object.fromEntries(line.split(/\s+/).flatMap((field) => (field.includes('=') ? [field.split('=') as [string, string]] : []))));
}

/** The scavenges logged after the first `skip` (those of the warm-up). */
function scavenges(logFile: string, skip: number): Scavenges {
  const steady = scavengeLines(logFile).slice(skip);
  const rates = steady.map((r) => Number.parseFloat(r.new_space_survive_rate_ ?? '0')).sort((a, b) => a - b);
  const promoted = steady.reduce((sum, r) => sum + Number(r.promoted ?? 0), 0);
  return { count: steady.length, survivedPercent: rates[Math.floor(rates.length / 2)] ?? 0, promotedMb: promoted / 1e6 };
}

/** Requests one after another: `warmup` seconds, then `seconds` counted; the scavenges of the warm-up and the requests counted. */
async function sequential(logFile: string, url: string, init?: RequestInit): Promise<{ sent: number; gc: Scavenges }> {
  const send = async (forSeconds: number) => {
    const until = Date.now() + forSeconds * 1000;
    let sent = 0;
    while (Date.now() < until) {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      sent += 1;
    }
    return sent;
  };
  await send(warmup);
  const skip = scavengeLines(logFile).length;
  const sent = await send(seconds);
  return { sent, gc: scavenges(logFile, skip) };
}

type Minimal = 'raw' | 'raw-prototypes' | 'raw-signal' | 'plain' | 'fixed';

const RAW_APP = (kind: Minimal) => `
const http = require('node:http');
const reqProto = Object.create(http.IncomingMessage.prototype);
const resProto = Object.create(http.ServerResponse.prototype);
http.createServer((req, res) => {
  ${kind === 'raw-prototypes' ? 'Object.setPrototypeOf(req, reqProto); Object.setPrototypeOf(res, resProto);' : ''}
  ${kind === 'raw-signal' ? 'req.deadline = new AbortController().signal;' : ''}
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: 1 }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const MINIMAL_APP = (fixed: boolean) => `
const http = require('node:http');
const express = require('express');
const app = express();
app.set('etag', false);
app.get('/h', (req, res) => res.json({ ok: 1 }));
// Both variants load the module, so that both start with the same heap; only one uses it.
const { expressHttpServer } = require('./dist/src/app/http');
const server = ${fixed ? 'expressHttpServer(app)' : 'http.createServer(app)'};
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

async function minimal(kind: Minimal): Promise<{ sent: number; gc: Scavenges }> {
  const port = await freePort();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const logFile = path.join(OUT_DIR, `survivors-minimal-${kind}.log`);
  const out = fs.openSync(logFile, 'w');
  const source = kind.startsWith('raw') ? RAW_APP(kind) : MINIMAL_APP(kind === 'fixed');
  const child = spawn(process.execPath, [...FLAGS, '--trace-gc-nvp', '-e', source], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  try {
    const url = `http://127.0.0.1:${port}/h`;
    for (let i = 0; ; i += 1) {
      try {
        await fetch(url);
        break;
      } catch (error) {
        if (i > 100 || child.exitCode !== null)
          throw new Error(`the ${kind} app did not start: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`, { cause: error });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return await sequential(logFile, url);
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * A loop in a process of its own, no HTTP: `body` (awaited) one iteration after another, for
 * --warmup seconds and then for --seconds counted. The script prints WARM when the warm-up ends
 * (the scavenges before it do not count) and SENT=<iterations counted> at the end.
 */
const LOOP = (setup: string, body: string) => `
(async () => {
  ${setup}
  const run = async (ms) => {
    const until = Date.now() + ms;
    let sent = 0;
    while (Date.now() < until) {
      ${body}
      sent += 1;
    }
    return sent;
  };
  await run(${warmup * 1000});
  console.log('WARM');
  console.log('SENT=' + (await run(${seconds * 1000})));
  if (typeof done === 'function') await done();
})();
`;

/**
 * node-postgres alone: one client, the same 50-row statement, through `client.query`'s promise
 * form (`await client.query(text, values)`, as TypeORM calls it) or its callback form.
 */
const PG_LOOP = (form: 'promise' | 'callback') =>
  LOOP(
    `const { Client } = require('pg');
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const done = () => client.end();
  const text = 'SELECT * FROM organisation ORDER BY id LIMIT $1';`,
    form === 'promise' ? 'await client.query(text, [50]);' : 'await new Promise((ok, fail) => client.query(text, [50], (e, r) => (e ? fail(e) : ok(r))));',
  );

/**
 * What a WeakMap the process keeps (so in the old generation) does to the young generation: each
 * iteration makes a key and 3,000 small objects for it, as loadersPerEvent did for each live event
 * and its DataLoaders. `weakmap`: the objects are the key's value in the map; `property`: they are
 * a property of the key (src/app/loaders.ts now); `old keys`: the map's keys are ten objects made
 * at the start. Nothing keeps a key or its objects after its iteration.
 */
const WEAKMAP_LOOP = (kind: 'weakmap' | 'property' | 'old keys') =>
  LOOP(
    `const kept = new WeakMap();
  const oldKeys = Array.from({ length: 10 }, (_, i) => ({ i }));
  let n = 0;
  const objects = () => Array.from({ length: 3000 }, (_, i) => ({ i, s: 'v' + i }));`,
    `${
      kind === 'weakmap'
        ? 'kept.set({ n }, objects());'
        : kind === 'property'
          ? 'const key = { n }; key.objects = objects();'
          : 'kept.set(oldKeys[n % 10], objects());'
    }
      n += 1;
      if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));`,
  );

async function loop(source: string, flags: string[], label: string): Promise<{ sent: number; gc: Scavenges }> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const logFile = path.join(OUT_DIR, `survivors-${label}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...flags, '--trace-gc-nvp', '-e', source], { cwd: ROOT, env: process.env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const text = fs.readFileSync(logFile, 'utf8');
  const sent = Number(/SENT=(\d+)/.exec(text)?.[1]);
  if (code !== 0 || !(sent > 0)) throw new Error(`the loop ${label} failed: ${text.slice(-2000)}`);
  const skip = text
    .slice(0, text.indexOf('WARM'))
    .split('\n')
    .filter((line) => line.includes('gc=s ')).length;
  return { sent, gc: scavenges(logFile, skip) };
}

type OursRequest = 'healthz' | 'typename' | 'dashboard' | 'dashboard-summary' | 'organisations';

/** 50 organisations by name, their id and name: one statement, 50 rows. */
const ORGANISATIONS = '{ organisations(first: 50) { edges { node { id name } } } }';

async function ours(
  what: OursRequest,
  /** `flags`: V8 flags instead of npm start's. */
  variant: { flags?: string[]; label?: string } = {},
): Promise<{ sent: number; gc: Scavenges }> {
  const server = await startChild(
    `survivors-${what}${variant.label ? `-${variant.label}` : ''}`,
    path.join(ROOT, 'dist', 'src', 'main.js'),
    oursEnv(process.env.DATABASE_URL!),
    [...(variant.flags ?? FLAGS), '--trace-gc-nvp'],
  );
  try {
    const query = what === 'typename' ? '{ __typename }' : what === 'organisations' ? ORGANISATIONS : dashboardQuery(what === 'dashboard-summary');
    return what === 'healthz'
      ? await sequential(server.logFile, server.url.replace(/\/graphql$/, '/healthz'))
      : await sequential(server.logFile, server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
  } finally {
    await stopChild(server);
  }
}

async function main(): Promise<void> {
  const all: Array<[string, () => Promise<{ sent: number; gc: Scavenges }>]> = [
    ['raw http handler', () => minimal('raw')],
    ['raw http handler, Object.setPrototypeOf on req and res', () => minimal('raw-prototypes')],
    ['raw http handler, an AbortController’s signal per request', () => minimal('raw-signal')],
    ['minimal express, http.createServer(app)', () => minimal('plain')],
    ['minimal express, expressHttpServer(app)', () => minimal('fixed')],
    ['a kept WeakMap, a new key with 3,000 new objects as its value per iteration', () => loop(WEAKMAP_LOOP('weakmap'), FLAGS, 'weakmap')],
    ['the same objects as a property of the new key', () => loop(WEAKMAP_LOOP('property'), FLAGS, 'weakmap-property')],
    ['a kept WeakMap, the same objects as the value of one of ten old keys', () => loop(WEAKMAP_LOOP('old keys'), FLAGS, 'weakmap-old-keys')],
  ];
  if (process.env.DATABASE_URL) {
    all.push(
      ['ours, GET /healthz', () => ours('healthz')],
      ['ours, POST /graphql { __typename }', () => ours('typename')],
      ['ours, the dashboard without summary', () => ours('dashboard')],
      ['ours, the dashboard with summary', () => ours('dashboard-summary')],
      ['ours, the dashboard without summary, pretenuring on', () => ours('dashboard', { flags: PRETENURING, label: 'pretenuring' })],
      ['ours, 50 organisations (id, name)', () => ours('organisations')],
      ['ours, 50 organisations (id, name), pretenuring on', () => ours('organisations', { flags: PRETENURING, label: 'pretenuring' })],
      ['pg alone, client.query promise form, 50 rows, pretenuring on', () => loop(PG_LOOP('promise'), PRETENURING, 'pg-promise-pretenuring')],
      ['pg alone, client.query promise form, 50 rows', () => loop(PG_LOOP('promise'), FLAGS, 'pg-promise')],
      ['pg alone, client.query callback form, 50 rows, pretenuring on', () => loop(PG_LOOP('callback'), PRETENURING, 'pg-callback-pretenuring')],
    );
  } else log('DATABASE_URL is not set: ours and pg are left out');
  const rows: Array<[string, { sent: number; gc: Scavenges }]> = [];
  for (const [name, run] of all) if (name.includes(values.only!)) rows.push([name, await run()]);
  console.log(`\n### Young-generation survivors (requests one after another: ${warmup} s of warm-up, then ${seconds} s counted)\n`);
  console.log(`V8 flags: npm start's (${FLAGS.join(' ')}); "pretenuring on": the same without --no-allocation-site-pretenuring.\n`);
  console.log('| server | requests (or iterations) counted | scavenges counted | survived per scavenge (median) | promoted MB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, { sent, gc }] of rows)
    console.log(`| ${name} | ${sent} | ${gc.count} | ${gc.survivedPercent.toFixed(1)} % | ${gc.promotedMb.toFixed(0)} |`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
