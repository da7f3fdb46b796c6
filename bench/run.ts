import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../src/shared/config';
import { openDatabase } from '../src/db/data-source';
import { dashboardQuery } from './dashboard';
import { SYNTHETIC_PREFIX, generateSynthetic, type SyntheticSize } from './synthetic';
import { Client } from 'pg';
import { CLK_TCK, OUT_DIR, ROOT, ensureDatabase, log, procCpuTicks, procMemoryKb, startChild, stopChild, type ChildServer } from './support';

/*
 * `npm run bench`: the dashboard document over HTTP, our server against a floor (one hand-written
 * SQL statement, bench/floor.ts), both on the same synthetic PostgreSQL database in the same run.
 * Options: --scale 1|10|all  --duration 20  --warmup 5  --connections 20  --profile (CPU profile of ours)
 *          --without-summary (the document without `Organisation.summary`, both sides)
 *          --rounds N (measure both N times, alternating which goes first; the ratio is the median)
 *          --node-flags "--max-semi-space-size=64" (V8 flags for both servers; "" for none)
 *          --ours <path/to/main.js> (another build of our server, e.g. a baseline; default dist/src/main.js)
 *          --workers N (WORKERS for ours: processes sharing the port; CPU and memory are summed over them).
 */

const SCALES: Record<string, SyntheticSize> = {
  '1': { organisations: 2_000, models: 20_000, links: 15_000 },
  '10': { organisations: 20_000, models: 200_000, links: 150_000 },
};

/** Whether the document asks for `summary` (set from the options in main). */
let withSummary = true;

/** The database for a scale: DATABASE_URL (or dvk_bench) for 1x, the same name + `_x10` for 10x. */
function databaseUrl(scale: string): string {
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/dvk_bench');
  if (scale !== '1') url.pathname = `${url.pathname}_x${scale}`;
  return url.toString();
}

/** Migrates and loads the synthetic city unless it is already there (the generator is idempotent anyway). */
async function prepare(url: string, size: SyntheticSize): Promise<void> {
  await ensureDatabase(url);
  const db = await openDatabase(loadConfig({ DATABASE_URL: url, DB_POOL_SIZE: '2' }));
  try {
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) log(`applied migrations ${applied.map((m) => m.name).join(', ')}`);
    const like = `${SYNTHETIC_PREFIX}%`;
    const [counts] = await db.dataSource.query(
      `SELECT (SELECT count(*) FROM organisation WHERE name LIKE $1)::int AS o, (SELECT count(*) FROM model WHERE name LIKE $1)::int AS m,
              (SELECT count(*) FROM replication_link)::int AS l`,
      [like],
    );
    if (counts.o >= size.organisations && counts.m >= size.models && counts.l >= size.links) {
      log(`synthetic data present (${counts.o} organisations, ${counts.m} models, ${counts.l} links)`);
      return;
    }
    const started = Date.now();
    await generateSynthetic(db.dataSource, size);
    log(`synthetic data loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.close();
  }
}

async function post(url: string): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: dashboardQuery(withSummary) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

/** The first path where two JSON values differ, for a loud and useful failure. */
function firstDifference(a: unknown, b: unknown, at = 'data'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at}: ours ${JSON.stringify(a)?.slice(0, 300)} / floor ${JSON.stringify(b)?.slice(0, 300)}`;
}

/** Busy share of all CPUs between two /proc/stat readings (the whole machine: other users too). */
function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.reduce((s, v) => s + v, 0);
  return { busy: total - idle, total };
}

interface Measurement {
  server: string;
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  peakRssMb: number;
  rssAfterMb: number;
  cpuMsPerRequest: number;
  sqlPerRequest: number;
  machineBusyPercent: number;
}

/**
 * Waits until the database runs no statement of the servers: requests cut off at the end of a
 * measurement keep their SQL running, which would otherwise land on the next server's window.
 */
async function settle(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      if (rows[0].n === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    log('the database is still busy after 60 s; measuring anyway');
  } finally {
    await client.end();
  }
}

async function load(url: string, duration: number, connections: number) {
  return autocannon({
    url,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: dashboardQuery(withSummary) }),
    timeout: 30,
  });
}

async function measure(server: ChildServer, opts: Options, sqlPerRequest: number, databaseUrl: string): Promise<Measurement> {
  const pid = server.child.pid!;
  await settle(databaseUrl);
  log(`${server.name}: warm-up ${opts.warmup} s`);
  await load(server.url, opts.warmup, opts.connections);
  await settle(databaseUrl);
  log(`${server.name}: measuring ${opts.duration} s with ${opts.connections} connections`);
  const cpu0 = procCpuTicks(pid);
  const m0 = machineTicks();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, procMemoryKb(pid).rss)), 250);
  const result = await load(server.url, opts.duration, opts.connections);
  clearInterval(sampler);
  const cpu1 = procCpuTicks(pid);
  const m1 = machineTicks();
  const memory = procMemoryKb(pid);
  const completed = result['2xx'];
  return {
    server: server.name,
    requests: completed,
    requestsPerSecond: Math.round((completed / result.duration) * 10) / 10,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    // VmHWM is the peak over the process's life (start-up and warm-up included).
    peakRssMb: Math.round(Math.max(memory.hwm, peakRss) / 102.4) / 10,
    rssAfterMb: Math.round(memory.rss / 102.4) / 10,
    cpuMsPerRequest: completed ? Math.round((((cpu1 - cpu0) * 1000) / CLK_TCK / completed) * 100) / 100 : NaN,
    sqlPerRequest,
    machineBusyPercent: Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 1000) / 10,
  };
}

interface Options {
  scales: string[];
  duration: number;
  warmup: number;
  connections: number;
  profile: boolean;
  withSummary: boolean;
  ours: string;
  rounds: number;
  nodeFlags: string[];
  /** WORKERS for our server (processes sharing the port); the floor is always one process. */
  workers: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'all' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '20' },
      profile: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '1' },
      'node-flags': { type: 'string', default: '--max-semi-space-size=64' },
      'without-summary': { type: 'boolean', default: false },
      ours: { type: 'string', default: path.join(ROOT, 'dist', 'src', 'main.js') },
      workers: { type: 'string', default: '1' },
    },
  });
  const scales = values.scale === 'all' ? Object.keys(SCALES) : [values.scale!];
  if (!scales.every((s) => SCALES[s])) throw new Error(`--scale must be 1, 10 or all; got ${values.scale}`);
  const num = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number; got ${v}`);
    return n;
  };
  return {
    scales,
    duration: num('duration', values.duration),
    warmup: num('warmup', values.warmup),
    connections: num('connections', values.connections),
    profile: !!values.profile,
    withSummary: !values['without-summary'],
    ours: path.resolve(values.ours!),
    rounds: num('rounds', values.rounds),
    nodeFlags: values['node-flags']!.split(' ').filter(Boolean),
    workers: num('workers', values.workers),
  };
}

function table(rows: Measurement[]): string {
  const head =
    '| server | req/s | p50 ms | p99 ms | peak RSS MB | CPU ms/req | SQL/req | errors | machine busy % |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  return [
    head,
    ...rows.map(
      (r) =>
        `| ${r.server} | ${r.requestsPerSecond} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.peakRssMb} | ${r.cpuMsPerRequest} | ${r.sqlPerRequest} | ${r.errors + r.non2xx} | ${r.machineBusyPercent} |`,
    ),
  ].join('\n');
}

async function benchScale(scale: string, opts: Options) {
  const size = SCALES[scale];
  const url = databaseUrl(scale);
  const shown = new URL(url);
  shown.password = shown.password ? '***' : '';
  log(`scale ${scale}x: ${size.organisations} organisations / ${size.models} models / ${size.links} links on ${shown}`);
  await prepare(url, size);

  const ourScript = opts.ours;
  // The per-caller rate limit still runs on every request (its cost is measured), with a budget no
  // bench reaches: every request here comes from one address.
  const ourEnv = {
    DATABASE_URL: url,
    NODE_ENV: 'production',
    SEED_DEMO: 'false',
    RUN_MIGRATIONS: 'false',
    WORKERS: String(opts.workers),
    RATE_LIMIT_POINTS: '100000000',
  };

  // SQL statements per request: a probe instance with SQL_STATS on, asked several times.
  const probe = await startChild(`ours-probe-x${scale}`, ourScript, { ...ourEnv, SQL_STATS: 'true' }, opts.nodeFlags);
  const counts: number[] = [];
  try {
    for (let i = 0; i < 5; i += 1) counts.push(JSON.parse(await post(probe.url)).extensions?.sqlStatements);
  } finally {
    await stopChild(probe);
  }
  if (!counts.every((c) => typeof c === 'number' && c === counts[0])) throw new Error(`SQL statements per request are not constant: ${counts.join(', ')}`);
  log(`ours: ${counts[0]} SQL statements per request (${counts.join(', ')})`);

  const profileDir = path.join(OUT_DIR, 'profiles');
  const ours = await startChild(`ours-x${scale}`, ourScript, { ...ourEnv, SQL_STATS: 'false' }, [
    ...opts.nodeFlags,
    ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ]);
  const floor = await startChild(
    `floor-x${scale}`,
    path.join(ROOT, 'dist', 'bench', 'floor.js'),
    { DATABASE_URL: url, FLOOR_SUMMARY: String(opts.withSummary) },
    opts.nodeFlags,
  );
  try {
    const oursBody = JSON.parse(await post(ours.url));
    const floorBody = JSON.parse(await post(floor.url));
    if (oursBody.errors) throw new Error(`ours answered with errors: ${JSON.stringify(oursBody.errors).slice(0, 1000)}`);
    const difference = firstDifference(oursBody.data, floorBody.data);
    if (difference) throw new Error(`ours and the floor disagree at ${difference}`);
    const orgs = oursBody.data.organisations.edges;
    const models = orgs.reduce((n: number, e: { node: { models: { edges: unknown[] } } }) => n + e.node.models.edges.length, 0);
    log(`responses equal (${orgs.length} organisations, ${models} models, ${JSON.stringify(oursBody.data).length} bytes of data)`);

    const load0 = os.loadavg();
    // Rounds alternate which server goes first, so a neighbour's burst does not always hit the same side.
    const rounds: Array<{ ours: Measurement; floor: Measurement; ratio: number }> = [];
    for (let round = 0; round < opts.rounds; round += 1) {
      let floorResult: Measurement;
      let oursResult: Measurement;
      if (round % 2 === 0) {
        floorResult = await measure(floor, opts, 1, url);
        oursResult = await measure(ours, opts, counts[0], url);
      } else {
        oursResult = await measure(ours, opts, counts[0], url);
        floorResult = await measure(floor, opts, 1, url);
      }
      const ratio = Math.round((oursResult.requestsPerSecond / floorResult.requestsPerSecond) * 100) / 100;
      rounds.push({ ours: oursResult, floor: floorResult, ratio });
      log(`round ${round + 1}: ours ${oursResult.requestsPerSecond} req/s, floor ${floorResult.requestsPerSecond} req/s, ratio ${ratio}`);
    }
    const load1 = os.loadavg();
    const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
    return {
      scale: `${scale}x`,
      size,
      ratio: ratios[Math.floor((ratios.length - 1) / 2)],
      ratios: rounds.map((r) => r.ratio),
      loadAverageBefore: load0.map((l) => Math.round(l * 100) / 100),
      loadAverageAfter: load1.map((l) => Math.round(l * 100) / 100),
      results: rounds.flatMap((r) => [r.ours, r.floor]),
    };
  } finally {
    await stopChild(ours);
    await stopChild(floor);
  }
}

async function main(): Promise<void> {
  const opts = options();
  withSummary = opts.withSummary;
  log(`node flags for both servers: ${opts.nodeFlags.join(' ') || '(none)'}; ours: ${path.relative(ROOT, opts.ours)} with WORKERS=${opts.workers}`);
  log(
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const script of [opts.ours, path.join(ROOT, 'dist/bench/floor.js')]) {
    if (!fs.existsSync(script)) throw new Error(`${script} is missing: run npm run build first.`);
  }
  const runs = [];
  for (const scale of opts.scales) runs.push(await benchScale(scale, opts));

  const report = { date: new Date().toISOString(), cpus: os.cpus().length, node: process.version, options: { ...opts }, runs };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, 'latest.json');
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(OUT_DIR, `run-${report.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
  console.log('');
  for (const run of runs) {
    console.log(
      `### ${run.scale}: ${run.size.organisations} organisations / ${run.size.models} models / ${run.size.links} links${opts.withSummary ? '' : ' (without summary)'}`,
    );
    console.log(`load average before ${run.loadAverageBefore.join(' ')}, after ${run.loadAverageAfter.join(' ')}\n`);
    console.log(table(run.results));
    console.log(`\n**ratio ours/floor (req/s): ${run.ratio}**${run.ratios.length > 1 ? ` (median of rounds: ${run.ratios.join(', ')})` : ''}\n`);
  }
  console.log(`JSON written to ${file}`);
  if (opts.profile) console.log(`CPU profiles in ${path.join(OUT_DIR, 'profiles')}: node dist/bench/profile-summary.js <file>`);
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
