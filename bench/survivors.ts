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
 *   - ours (dist/src/main.js), on GET /healthz, and on POST /graphql with `{ __typename }` and
 *     with the dashboard (needs DATABASE_URL, a database `npm run bench` has seeded);
 *   - node-postgres alone (no HTTP, no TypeORM): one 50-row statement after another through
 *     `client.query`'s promise form, the same with V8's allocation-site pretenuring off, and
 *     through its callback form;
 *   - ours on 50 organisations (id, name): as it runs, with pretenuring off, on graphql-js instead
 *     of graphql-jit (JIT_MAX_FIELDS=0), and both.
 * The first seconds are warm-up (tiering, caches): the median is over the last two thirds of the
 * scavenges, and --seconds 20 gives steadier figures than the default for the light requests.
 *
 *   node dist/bench/survivors.js [--seconds 6]
 */

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' } } });
const seconds = Number(values.seconds);
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');

interface Scavenges {
  count: number;
  /** Median of new_space_survive_rate_ over the scavenges after the first third (the warm-up). */
  survivedPercent: number;
  promotedMb: number;
}

function scavenges(logFile: string): Scavenges {
  const rows = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('gc=s '))
    .map((line) => Object.fromEntries(line.split(/\s+/).flatMap((field) => (field.includes('=') ? [field.split('=') as [string, string]] : []))));
  const steady = rows.slice(Math.floor(rows.length / 3));
  const rates = steady.map((r) => Number.parseFloat(r.new_space_survive_rate_ ?? '0')).sort((a, b) => a - b);
  const promoted = steady.reduce((sum, r) => sum + Number(r.promoted ?? 0), 0);
  return { count: rows.length, survivedPercent: rates[Math.floor(rates.length / 2)] ?? 0, promotedMb: promoted / 1e6 };
}

/** Requests one after another for `seconds`; the number sent. */
async function sequential(url: string, init?: RequestInit): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let sent = 0;
  while (Date.now() < until) {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    sent += 1;
  }
  return sent;
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
  const child = spawn(process.execPath, [...START_NODE_FLAGS.split(' ').filter(Boolean), '--trace-gc-nvp', '-e', source], {
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
    const sent = await sequential(url);
    return { sent, gc: scavenges(logFile) };
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * node-postgres alone, no HTTP: one client, the same 50-row statement one after another for
 * `seconds`, through `client.query`'s promise form (`await client.query(text, values)`, as TypeORM
 * calls it) or its callback form; `extraFlags` for V8 (say --no-allocation-site-pretenuring).
 */
const PG_LOOP = (form: 'promise' | 'callback', seconds: number) => `
const { Client } = require('pg');
(async () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  const text = 'SELECT * FROM organisation ORDER BY id LIMIT $1';
  const until = Date.now() + ${seconds * 1000};
  let sent = 0;
  while (Date.now() < until) {
    ${form === 'promise' ? 'await client.query(text, [50]);' : 'await new Promise((ok, fail) => client.query(text, [50], (e, r) => (e ? fail(e) : ok(r))));'}
    sent += 1;
  }
  console.log('SENT=' + sent);
  await client.end();
})();
`;

async function pgLoop(form: 'promise' | 'callback', extraFlags: string[] = []): Promise<{ sent: number; gc: Scavenges }> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const logFile = path.join(OUT_DIR, `survivors-pg-${form}${extraFlags.length ? '-flags' : ''}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...START_NODE_FLAGS.split(' ').filter(Boolean), ...extraFlags, '--trace-gc-nvp', '-e', PG_LOOP(form, seconds)], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const text = fs.readFileSync(logFile, 'utf8');
  const sent = Number(/SENT=(\d+)/.exec(text)?.[1]);
  if (code !== 0 || !(sent > 0)) throw new Error(`the pg loop (${form}) failed: ${text.slice(-2000)}`);
  return { sent, gc: scavenges(logFile) };
}

type OursRequest = 'healthz' | 'typename' | 'dashboard' | 'organisations';

/** 50 organisations by name, their id and name: one statement, 50 rows. */
const ORGANISATIONS = '{ organisations(first: 50) { edges { node { id name } } } }';

async function ours(
  what: OursRequest,
  variant: { env?: Record<string, string>; flags?: string[]; label?: string } = {},
): Promise<{ sent: number; gc: Scavenges }> {
  const server = await startChild(
    `survivors-${what}${variant.label ? `-${variant.label}` : ''}`,
    path.join(ROOT, 'dist', 'src', 'main.js'),
    { ...oursEnv(process.env.DATABASE_URL!), ...variant.env },
    [...START_NODE_FLAGS.split(' ').filter(Boolean), ...(variant.flags ?? []), '--trace-gc-nvp'],
  );
  try {
    const query = what === 'typename' ? '{ __typename }' : what === 'organisations' ? ORGANISATIONS : dashboardQuery(false);
    const sent =
      what === 'healthz'
        ? await sequential(server.url.replace(/\/graphql$/, '/healthz'))
        : await sequential(server.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          });
    return { sent, gc: scavenges(server.logFile) };
  } finally {
    await stopChild(server);
  }
}

async function main(): Promise<void> {
  const rows: Array<[string, { sent: number; gc: Scavenges }]> = [
    ['raw http handler', await minimal('raw')],
    ['raw http handler, Object.setPrototypeOf on req and res', await minimal('raw-prototypes')],
    ['raw http handler, an AbortController’s signal per request', await minimal('raw-signal')],
    ['minimal express, http.createServer(app)', await minimal('plain')],
    ['minimal express, expressHttpServer(app)', await minimal('fixed')],
  ];
  if (process.env.DATABASE_URL) {
    rows.push(['ours, GET /healthz', await ours('healthz')]);
    rows.push(['ours, POST /graphql { __typename }', await ours('typename')]);
    rows.push(['ours, the dashboard without summary', await ours('dashboard')]);
    const noPretenuring = ['--no-allocation-site-pretenuring'];
    rows.push(['pg alone, client.query promise form, 50 rows', await pgLoop('promise')]);
    rows.push(['pg alone, the same, --no-allocation-site-pretenuring', await pgLoop('promise', noPretenuring)]);
    rows.push(['pg alone, client.query callback form, 50 rows', await pgLoop('callback')]);
    rows.push(['ours, 50 organisations (id, name)', await ours('organisations')]);
    rows.push(['ours, the same, --no-allocation-site-pretenuring', await ours('organisations', { flags: noPretenuring, label: 'np' })]);
    rows.push(['ours, the same, on graphql-js (JIT_MAX_FIELDS=0)', await ours('organisations', { env: { JIT_MAX_FIELDS: '0' }, label: 'js' })]);
    rows.push([
      'ours, the same, graphql-js and --no-allocation-site-pretenuring',
      await ours('organisations', { env: { JIT_MAX_FIELDS: '0' }, flags: noPretenuring, label: 'js-np' }),
    ]);
  } else log('DATABASE_URL is not set: ours is left out');
  console.log(`\n### Young-generation survivors (requests one after another, ${seconds} s each)\n`);
  console.log('| server | requests | scavenges | survived per scavenge (median) | promoted MB, last two thirds |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, { sent, gc }] of rows)
    console.log(`| ${name} | ${sent} | ${gc.count} | ${gc.survivedPercent.toFixed(1)} % | ${gc.promotedMb.toFixed(0)} |`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
