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
 *     with the dashboard (needs DATABASE_URL, a database `npm run bench` has seeded).
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

async function ours(what: 'healthz' | 'typename' | 'dashboard'): Promise<{ sent: number; gc: Scavenges }> {
  const server = await startChild(`survivors-${what}`, path.join(ROOT, 'dist', 'src', 'main.js'), oursEnv(process.env.DATABASE_URL!), [
    ...START_NODE_FLAGS.split(' ').filter(Boolean),
    '--trace-gc-nvp',
  ]);
  try {
    const query = what === 'typename' ? '{ __typename }' : dashboardQuery(false);
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
