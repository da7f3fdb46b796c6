import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../src/shared/config';
import { openDatabase } from '../src/db/data-source';
import { SYNTHETIC_PREFIX, generateSynthetic } from './synthetic';
import { OUT_DIR, ROOT, ensureDatabase, log, percentile, procMemoryKb, startChild, stopChild } from './support';

/*
 * `npm run bench:flood`: one client floods the server with the heaviest query the cost limit
 * allows, from N connections for a bounded time, while a well-behaved client sends a cheap query
 * one at a time. Prints the cheap query's p50/p99, what the flood got (answers, refusals), and the
 * server's peak RSS. A load script, not a test: figures depend on the machine.
 * Options: --duration 20  --connections 20  --warmup 3  --ours <path/to/main.js> (default dist/src/main.js)
 *          --env KEY=VALUE (repeatable: extra environment for the server, e.g. EXPENSIVE_CONCURRENCY=1).
 *          --polite-rps N (the well-behaved client sends at most N a second; 0, the default: back to back).
 * The two clients are two callers: each sends its own API token (API_TOKENS=hostile:…,polite:…), so
 * the per-caller rate limit (RATE_LIMIT_POINTS / RATE_LIMIT_DURATION_S, settable with --env) spends
 * the flood's budget and not the well-behaved client's. The flood's refusals are counted by status
 * (429 RATE_LIMITED, 503 expensive queue full).
 * Database: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/dvk_bench, migrated and filled with
 * the 1x synthetic city (2,000 / 20,000 / 15,000) when it is not there yet.
 */

/**
 * The heaviest query: 100 organisations × 100 models of each subtree with their lead
 * organisation. It costs 130,901 (MAX_QUERY_COMPLEXITY is 200,000; page sizes are at their cap)
 * and answers about 3.1 MB of JSON at 1x (the issue's: ~161,000 and 3.3 MB).
 */
export const HEAVY = `query Heavy {
  organisations(first: 100) { edges { node { id name shortName kind
    models(first: 100, includeDescendants: true) { totalCount edges { node {
      id name description domain status startedOn replicaCount
      leadOrganisation { id name } } } } } } }
}`;

/** What a well-behaved client asks meanwhile: a page of five names (one statement). */
export const CHEAP = `query Cheap { organisations(first: 5) { edges { node { id name } } } }`;

const SIZE = { organisations: 2_000, models: 20_000, links: 15_000 };

async function prepare(url: string): Promise<void> {
  await ensureDatabase(url);
  const db = await openDatabase(loadConfig({ DATABASE_URL: url, DB_POOL_SIZE: '2' }));
  try {
    await db.dataSource.runMigrations({ transaction: 'each' });
    const [counts] = await db.dataSource.query(
      `SELECT (SELECT count(*) FROM organisation WHERE name LIKE $1)::int AS o, (SELECT count(*) FROM model WHERE name LIKE $1)::int AS m`,
      [`${SYNTHETIC_PREFIX}%`],
    );
    if (counts.o >= SIZE.organisations && counts.m >= SIZE.models) return;
    log('loading the 1x synthetic city');
    await generateSynthetic(db.dataSource, SIZE);
  } finally {
    await db.close();
  }
}

/** The two callers' tokens (API_TOKENS of the server under test). */
const HOSTILE_TOKEN = 'hostile-flood-token';
const POLITE_TOKEN = 'polite-client-token';

async function post(url: string, query: string, token = POLITE_TOKEN): Promise<{ status: number; ms: number; bytes: number; code?: string }> {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let code: string | undefined;
  try {
    code = JSON.parse(text).errors?.[0]?.extensions?.code;
  } catch {
    code = 'UNPARSABLE';
  }
  return { status: res.status, ms, bytes: Buffer.byteLength(text), code };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      ours: { type: 'string', default: path.join(ROOT, 'dist', 'src', 'main.js') },
      env: { type: 'string', multiple: true, default: [] },
      'polite-rps': { type: 'string', default: '0' },
    },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/dvk_bench';
  await prepare(url);
  const extra = Object.fromEntries((values.env as string[]).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const server = await startChild('flood-ours', values.ours as string, {
    DATABASE_URL: url,
    NODE_ENV: 'production',
    SQL_STATS: 'false',
    SEED_DEMO: 'false',
    RUN_MIGRATIONS: 'false',
    DB_POOL_SIZE: '10',
    API_TOKENS: `hostile:${HOSTILE_TOKEN},polite:${POLITE_TOKEN}`,
    ...extra,
  });
  const pid = server.child.pid as number;
  try {
    // Alone first: what one heavy request costs, and a cheap baseline.
    const heavyAlone = await post(server.url, HEAVY, HOSTILE_TOKEN);
    if (heavyAlone.status !== 200 || heavyAlone.code) throw new Error(`the heavy query alone answered HTTP ${heavyAlone.status} ${heavyAlone.code ?? ''}`);
    const heavyAgain = await post(server.url, HEAVY, HOSTILE_TOKEN);
    const cheapAlone: number[] = [];
    for (let i = 0; i < 50; i += 1) cheapAlone.push((await post(server.url, CHEAP)).ms);
    cheapAlone.sort((a, b) => a - b);
    for (let i = 0; i < Number(values.warmup); i += 1) await post(server.url, HEAVY, HOSTILE_TOKEN);
    const rssStartMb = procMemoryKb(pid).rss / 1024;
    log(
      `heavy alone: ${heavyAgain.ms.toFixed(0)} ms, ${(heavyAgain.bytes / 1e6).toFixed(2)} MB; cheap alone p50 ${percentile(cheapAlone, 50).toFixed(1)} ms; RSS ${rssStartMb.toFixed(0)} MB`,
    );

    let peakRssKb = 0;
    const sampler = setInterval(() => {
      peakRssKb = Math.max(peakRssKb, procMemoryKb(pid).rss);
    }, 100);
    const load = os.loadavg()[0];
    const flood = autocannon({
      url: server.url,
      connections,
      duration,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${HOSTILE_TOKEN}` },
      body: JSON.stringify({ query: HEAVY }),
      timeout: 120,
    });
    // The well-behaved client: one cheap request at a time, for as long as the flood lasts.
    const cheap: Array<{ ms: number; ok: boolean; code?: string }> = [];
    const until = Date.now() + duration * 1000;
    // --polite-rps N: at most N a second (a client within a rate limit); 0: back to back.
    const gapMs = Number(values['polite-rps']) > 0 ? 1000 / Number(values['polite-rps']) : 0;
    const wellBehaved = (async () => {
      while (Date.now() < until) {
        const started = Date.now();
        const r = await post(server.url, CHEAP);
        cheap.push({ ms: r.ms, ok: r.status === 200 && !r.code, code: r.code });
        const rest = gapMs - (Date.now() - started);
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
    })();
    const [result] = await Promise.all([flood, wellBehaved]);
    clearInterval(sampler);
    const memory = procMemoryKb(pid);
    peakRssKb = Math.max(peakRssKb, memory.rss);
    const latencies = cheap.map((c) => c.ms).sort((a, b) => a - b);
    const summary = {
      at: new Date().toISOString(),
      server: values.ours,
      env: extra,
      connections,
      durationS: duration,
      loadAverageBefore: load,
      heavyAloneMs: Math.round(heavyAgain.ms),
      heavyBytes: heavyAgain.bytes,
      cheapAloneP50Ms: +percentile(cheapAlone, 50).toFixed(1),
      cheapRequests: cheap.length,
      cheapFailed: cheap.filter((c) => !c.ok).length,
      cheapFailedCodes: [...new Set(cheap.filter((c) => !c.ok).map((c) => c.code))],
      politeRps: Number(values['polite-rps']),
      cheapP50Ms: +percentile(latencies, 50).toFixed(1),
      cheapP99Ms: +percentile(latencies, 99).toFixed(1),
      cheapMaxMs: +(latencies[latencies.length - 1] ?? NaN).toFixed(1),
      floodAnswered: result['2xx'],
      floodNon2xx: result.non2xx,
      floodByStatus: (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {},
      floodErrors: result.errors,
      floodTimeouts: result.timeouts,
      rssStartMb: Math.round(rssStartMb),
      peakRssMb: Math.round(peakRssKb / 1024),
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log(
      `\n| connections × s | heavy answered / refused (non-2xx) | cheap p50 / p99 / max ms (n) | RSS start → peak MB |\n|---|---|---|---|\n` +
        `| ${connections} × ${duration} | ${result['2xx']} / ${result.non2xx} | ${summary.cheapP50Ms} / ${summary.cheapP99Ms} / ${summary.cheapMaxMs} (${cheap.length}) | ${summary.rssStartMb} → ${summary.peakRssMb} |`,
    );
    fs.mkdirSync(OUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUT_DIR, 'flood-latest.json'), JSON.stringify(summary, null, 2));
  } finally {
    await stopChild(server);
  }
}

if (require.main === module)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
