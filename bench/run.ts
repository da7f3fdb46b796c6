import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { loadConfig } from '../src/shared/config';
import { openDatabase } from '../src/db/data-source';
import { dashboardQuery } from './dashboard';
import { PEERS_SQL, peerQuery } from './peers';
import { SYNTHETIC_PREFIX, generateSynthetic, type SyntheticSize } from './synthetic';
import {
  BackendCpu,
  CLK_TCK,
  OUT_DIR,
  ROOT,
  START_NODE_FLAGS,
  ensureDatabase,
  log,
  oursEnv,
  procCpuTicks,
  procMemoryKb,
  startChild,
  stopChild,
  type ChildServer,
} from './support';

/*
 * `npm run bench`: the dashboard document over HTTP, side by side in one run on the same synthetic
 * PostgreSQL database: our server, PostGraphile 4 and 5 (bench/peers/, over bench-only computed-column
 * functions, bench/peers.ts) and a floor (one hand-written SQL statement, bench/floor.ts). Every
 * server's `data` must equal ours before anything is measured; rounds are interleaved (the order
 * rotates), and every ratio is taken within one round.
 * Options: --scale 1|10|all  --duration 15  --warmup 5  --first-warmup 30  --connections 20  --rounds 3
 *          (--first-warmup: each server's warm-up before its first round; --warmup: before each later one)
 *          --servers ours,pg4,pg5,floor  --variant both|with|without (the document with and/or without
 *          `Organisation.summary`; --without-summary is --variant without)
 *          --profile (CPU profile of ours)
 *          --node-flags "--max-semi-space-size=32 --heap-growing-percent=100 --no-allocation-site-pretenuring" (V8 flags for every server; "" for none; the default is npm start's)
 *          --ours <path/to/main.js> (another build of our server, e.g. a baseline; default dist/src/main.js)
 *          --base <path/to/main.js> with `base` in --servers (a second build of ours measured beside it in the same rounds)
 *          --base-node-flags "<V8 flags>" (for `base` alone: the same build with and without a flag, in the same rounds)
 *          --workers N (WORKERS for ours: processes sharing the port; CPU and memory are summed over them).
 */

const SCALES: Record<string, SyntheticSize> = {
  '1': { organisations: 2_000, models: 20_000, links: 15_000 },
  '10': { organisations: 20_000, models: 200_000, links: 150_000 },
};

const SERVER_KINDS = ['ours', 'base', 'pg4', 'pg5', 'floor'] as const;
/** Measured when --servers is not given; `base` (another build of ours, --base) only when asked for. */
const DEFAULT_SERVERS: readonly ServerKind[] = ['ours', 'pg4', 'pg5', 'floor'];
type ServerKind = (typeof SERVER_KINDS)[number];
const PEERS_DIR = path.join(ROOT, 'bench', 'peers');

/** The database for a scale: DATABASE_URL (or dvk_bench) for 1x, the same name + `_x10` for 10x. */
function databaseUrl(scale: string): string {
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/dvk_bench');
  if (scale !== '1') url.pathname = `${url.pathname}_x${scale}`;
  return url.toString();
}

/** Migrates and loads the synthetic city unless it is already there (the generator is idempotent anyway). */
async function prepare(url: string, size: SyntheticSize, peers: boolean): Promise<void> {
  await ensureDatabase(url);
  const db = await openDatabase(loadConfig({ DATABASE_URL: url, DB_POOL_SIZE: '2' }));
  try {
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) log(`applied migrations ${applied.map((m) => m.name).join(', ')}`);
    // The peers' computed columns: bench-only, made anew on every run (they follow bench/peers.ts).
    if (peers) await db.dataSource.query(PEERS_SQL);
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

/** The peers' packages (bench/peers/package-lock.json), installed by `npm ci` when missing. */
function ensurePeersInstalled(): void {
  const installed = ['postgraphile', 'postgraphile4'].every((p) => fs.existsSync(path.join(PEERS_DIR, 'node_modules', p, 'package.json')));
  if (installed) return;
  log('installing the peers: npm ci --prefix bench/peers');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (exit ${result.status ?? result.signal})`);
}

function peerVersion(pkg: string): string {
  return JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

/** What the runner needs to know of one server: how to start it, what to ask, how to count its SQL. */
interface ServerSpec {
  kind: ServerKind;
  label: string;
  script: string;
  env: Record<string, string>;
  nodeArgs: string[];
  query: string;
}

interface Variant {
  name: 'with summary' | 'without summary';
  withSummary: boolean;
}

function serverSpecs(opts: Options, url: string, variant: Variant, scale: string): ServerSpec[] {
  const common = { DATABASE_URL: url, NODE_ENV: 'production' };
  const all: Record<ServerKind, () => ServerSpec> = {
    ours: () => ({
      kind: 'ours',
      label: 'ours',
      script: opts.ours,
      env: { ...oursEnv(url, opts.workers), SQL_STATS: 'false' },
      nodeArgs: [...opts.nodeFlags, ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(OUT_DIR, 'profiles')}`] : [])],
      query: dashboardQuery(variant.withSummary),
    }),
    base: () => ({
      kind: 'base',
      label: 'base',
      script: opts.base!,
      env: { ...oursEnv(url, opts.workers), SQL_STATS: 'false' },
      nodeArgs: opts.baseNodeFlags ?? opts.nodeFlags,
      query: dashboardQuery(variant.withSummary),
    }),
    pg4: () => ({
      kind: 'pg4',
      label: `PostGraphile ${peerVersion('postgraphile4')}`,
      script: path.join(PEERS_DIR, 'pg4.mjs'),
      env: common,
      nodeArgs: opts.nodeFlags,
      query: peerQuery('pg4', variant.withSummary),
    }),
    pg5: () => ({
      kind: 'pg5',
      label: `PostGraphile ${peerVersion('postgraphile')}`,
      script: path.join(PEERS_DIR, 'pg5.mjs'),
      env: { ...common, GRAPHILE_ENV: 'production' },
      nodeArgs: opts.nodeFlags,
      query: peerQuery('pg5', variant.withSummary),
    }),
    floor: () => ({
      kind: 'floor',
      label: 'floor',
      script: path.join(ROOT, 'dist', 'bench', 'floor.js'),
      env: { DATABASE_URL: url, FLOOR_SUMMARY: String(variant.withSummary) },
      nodeArgs: opts.nodeFlags,
      query: dashboardQuery(variant.withSummary),
    }),
  };
  return opts.servers.map((kind) => {
    const spec = all[kind]();
    // PostgreSQL CPU is read from the backends carrying this name (pg takes PGAPPNAME when not configured).
    spec.env = { ...spec.env, PGAPPNAME: `dvk-bench-${kind}-x${scale}` };
    return spec;
  });
}

async function post(url: string, query: string): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** The first path where two JSON values differ, for a loud and useful failure. */
function firstDifference(a: unknown, b: unknown, names: [string, string], at = 'data'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], names, `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at}: ${names[0]} ${JSON.stringify(a)?.slice(0, 300)} / ${names[1]} ${JSON.stringify(b)?.slice(0, 300)}`;
}

/** Busy share of all CPUs between two /proc/stat readings (the whole machine: other users too). */
function machineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.reduce((s, v) => s + v, 0);
  return { busy: total - idle, total };
}

interface Measurement {
  server: ServerKind;
  label: string;
  round: number;
  /** Position in the round's order (1 = measured first). */
  position: number;
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  peakRssMb: number;
  rssAfterMb: number;
  nodeCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  postgresBackends: number;
  /** The raw figures behind the two CPU columns: clock ticks (CLK_TCK a second) over the window. */
  nodeCpuTicks: number;
  postgresCpuTicks: number;
  sqlPerRequest: number;
  /** Statements sent over the window ÷ requests sent (peers and floor; includes requests cut off at the end). */
  sqlPerRequestUnderLoad: number | null;
  machineBusyPercent: number;
  /** req/s ÷ PostGraphile 4's and ÷ the floor's in the same round. */
  vsPg4: number | null;
  vsFloor: number | null;
}

interface Running {
  spec: ServerSpec;
  server: ChildServer;
  sqlPerRequest: number;
}

/**
 * Waits until the database runs no statement and every server is idle (each process tree spends
 * at most one clock tick in 300 ms): requests cut off at the end of a window keep running, in
 * PostgreSQL and in Node between their statements, and would otherwise land on the next window
 * (on a loaded machine that spill-over was seconds of CPU).
 */
async function settle(client: Client, pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const before = pids.map((pid) => procCpuTicks(pid));
    await new Promise((r) => setTimeout(r, 300));
    const busy = pids.some((pid, i) => procCpuTicks(pid) - before[i] > 1);
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
    );
    if (rows[0].n === 0 && !busy) return;
  }
  log('the database or a server is still busy after 60 s; measuring anyway');
}

async function load(url: string, query: string, duration: number, connections: number) {
  return autocannon({
    url,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    timeout: 30,
  });
}

async function sqlCount(server: ChildServer): Promise<number> {
  const res = await fetch(server.url.replace(/\/graphql$/, '/sql-count'));
  return ((await res.json()) as { statements: number }).statements;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

async function measure(running: Running, opts: Options, client: Client, pids: readonly number[], round: number, position: number): Promise<Measurement> {
  const { spec, server } = running;
  const pid = server.child.pid!;
  await settle(client, pids);
  // A server's first half minute under load is not its steady state (V8's tiering; ours keeps
  // more of its young generation then: bench/README.md, "What the dashboard still kept"), so the
  // first round warms each server up longer.
  const warmup = round === 1 ? opts.firstWarmup : opts.warmup;
  log(`${spec.label}: warm-up ${warmup} s`);
  await load(server.url, spec.query, warmup, opts.connections);
  await settle(client, pids);
  log(`${spec.label}: measuring ${opts.duration} s with ${opts.connections} connections`);
  const backends = new BackendCpu(client, spec.env.PGAPPNAME);
  await backends.start();
  const statements0 = spec.kind === 'ours' || spec.kind === 'base' ? null : await sqlCount(server);
  const cpu0 = procCpuTicks(pid);
  const m0 = machineTicks();
  let peakRss = 0;
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, procMemoryKb(pid).rss)), 250);
  const backendSampler = setInterval(() => void backends.sample().catch(() => undefined), 1000);
  const result = await load(server.url, spec.query, opts.duration, opts.connections);
  clearInterval(rssSampler);
  clearInterval(backendSampler);
  const cpu1 = procCpuTicks(pid);
  const m1 = machineTicks();
  await backends.sample();
  const pg = backends.ticks();
  // Requests cut off at the end have sent their statements too: count after they finish, per request sent.
  if (statements0 !== null) await settle(client, pids);
  const statements1 = statements0 === null ? null : await sqlCount(server);
  const sent = result.requests.sent;
  const memory = procMemoryKb(pid);
  const completed = result['2xx'];
  const perRequest = (ticks: number) => (completed ? round2((ticks * 1000) / CLK_TCK / completed) : NaN);
  return {
    server: spec.kind,
    label: spec.label,
    round,
    position,
    requests: completed,
    requestsPerSecond: Math.round((completed / result.duration) * 10) / 10,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    // VmHWM is the peak over the process's life (start-up and warm-up included).
    peakRssMb: Math.round(Math.max(memory.hwm, peakRss) / 102.4) / 10,
    rssAfterMb: Math.round(memory.rss / 102.4) / 10,
    nodeCpuMsPerRequest: perRequest(cpu1 - cpu0),
    postgresCpuMsPerRequest: perRequest(pg.ticks),
    postgresBackends: pg.backends,
    nodeCpuTicks: cpu1 - cpu0,
    postgresCpuTicks: pg.ticks,
    sqlPerRequest: running.sqlPerRequest,
    sqlPerRequestUnderLoad: statements0 === null || statements1 === null || !sent ? null : round2((statements1 - statements0) / sent),
    machineBusyPercent: Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 1000) / 10,
    vsPg4: null,
    vsFloor: null,
  };
}

interface Options {
  scales: string[];
  variants: Variant[];
  servers: ServerKind[];
  duration: number;
  warmup: number;
  /** Warm-up before a server's first round. */
  firstWarmup: number;
  connections: number;
  profile: boolean;
  ours: string;
  /** Another build of ours measured beside it (server `base`), e.g. the baseline of a change; null: none. */
  base: string | null;
  rounds: number;
  nodeFlags: string[];
  /** V8 flags for the server `base` alone (--base-node-flags), to measure a flag against the same build; null: nodeFlags. */
  baseNodeFlags: string[] | null;
  /** WORKERS for our server (processes sharing the port); every other server is one process. */
  workers: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: 'all' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '5' },
      'first-warmup': { type: 'string', default: '30' },
      connections: { type: 'string', default: '20' },
      profile: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      servers: { type: 'string', default: DEFAULT_SERVERS.join(',') },
      base: { type: 'string' },
      variant: { type: 'string', default: 'both' },
      'node-flags': { type: 'string', default: START_NODE_FLAGS },
      'base-node-flags': { type: 'string' },
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
  const servers = values.servers!.split(',').map((s) => s.trim()) as ServerKind[];
  if (!servers.length || !servers.every((s) => SERVER_KINDS.includes(s)) || new Set(servers).size !== servers.length) {
    throw new Error(`--servers takes a list of ${SERVER_KINDS.join(', ')}; got ${values.servers}`);
  }
  if (servers.includes('base') !== (values.base !== undefined)) throw new Error('--base <main.js> and the server `base` in --servers go together');
  if (values['base-node-flags'] !== undefined && values.base === undefined) throw new Error('--base-node-flags needs --base');
  const variant = values['without-summary'] ? 'without' : values.variant;
  const variants: Variant[] = [];
  if (variant === 'both' || variant === 'with') variants.push({ name: 'with summary', withSummary: true });
  if (variant === 'both' || variant === 'without') variants.push({ name: 'without summary', withSummary: false });
  if (!variants.length) throw new Error(`--variant must be both, with or without; got ${values.variant}`);
  return {
    scales,
    variants,
    servers,
    duration: num('duration', values.duration),
    warmup: num('warmup', values.warmup),
    firstWarmup: num('first-warmup', values['first-warmup']),
    connections: num('connections', values.connections),
    profile: !!values.profile,
    ours: path.resolve(values.ours!),
    base: values.base !== undefined ? path.resolve(values.base) : null,
    rounds: num('rounds', values.rounds),
    nodeFlags: values['node-flags']!.split(' ').filter(Boolean),
    baseNodeFlags: values['base-node-flags'] !== undefined ? values['base-node-flags'].split(' ').filter(Boolean) : null,
    workers: num('workers', values.workers),
  };
}

/** SQL statements per request of ours: a probe instance with SQL_STATS on, asked several times. */
async function oursSqlPerRequest(opts: Options, url: string, scale: string, query: string, script = opts.ours): Promise<number> {
  const probe = await startChild(`ours-probe-x${scale}`, script, { ...oursEnv(url, opts.workers), SQL_STATS: 'true' }, opts.nodeFlags);
  const counts: number[] = [];
  try {
    for (let i = 0; i < 5; i += 1) counts.push((await post(probe.url, query)).extensions?.sqlStatements);
  } finally {
    await stopChild(probe);
  }
  if (!counts.every((c) => typeof c === 'number' && c === counts[0]))
    throw new Error(`ours: SQL statements per request are not constant: ${counts.join(', ')}`);
  return counts[0];
}

/** The same for a peer or the floor: its /sql-count before and after each of five requests, one at a time. */
async function endpointSqlPerRequest(spec: ServerSpec, server: ChildServer): Promise<number> {
  const counts: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const before = await sqlCount(server);
    await post(server.url, spec.query);
    counts.push((await sqlCount(server)) - before);
  }
  if (!counts.every((c) => c === counts[0])) throw new Error(`${spec.label}: SQL statements per request are not constant: ${counts.join(', ')}`);
  return counts[0];
}

/** Every server's `data` must equal the first's (ours when it runs); the run stops at the first difference. */
async function checkSameData(running: Running[]): Promise<void> {
  let reference: { label: string; data: unknown } | null = null;
  for (const { spec, server } of running) {
    const body = await post(server.url, spec.query);
    if (body.errors) throw new Error(`${spec.label} answered with errors: ${JSON.stringify(body.errors).slice(0, 1000)}`);
    if (!reference) {
      reference = { label: spec.label, data: body.data };
      const orgs = body.data.organisations.edges;
      const models = orgs.reduce((n: number, e: { node: { models: { edges: unknown[] } } }) => n + e.node.models.edges.length, 0);
      log(`${spec.label}: ${orgs.length} organisations, ${models} models, ${JSON.stringify(body.data).length} bytes of data`);
      continue;
    }
    const difference = firstDifference(reference.data, body.data, [reference.label, spec.label]);
    if (difference) throw new Error(`${reference.label} and ${spec.label} disagree at ${difference}`);
  }
  log(`the same data from ${running.map((r) => r.spec.label).join(', ')}`);
}

/** The round's order: the server list rotated by the round, so no server is always first or last. */
function roundOrder<T>(list: readonly T[], round: number): T[] {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : round2((sorted[mid - 1] + sorted[mid]) / 2);
}

async function benchVariant(scale: string, url: string, variant: Variant, opts: Options, client: Client) {
  const specs = serverSpecs(opts, url, variant, scale);
  log(`${scale}x, ${variant.name}: ${specs.map((s) => s.label).join(', ')}`);
  const oursSql = opts.servers.includes('ours') ? await oursSqlPerRequest(opts, url, scale, dashboardQuery(variant.withSummary)) : NaN;
  const baseSql = opts.base ? await oursSqlPerRequest(opts, url, scale, dashboardQuery(variant.withSummary), opts.base) : NaN;
  const running: Running[] = [];
  try {
    for (const spec of specs) {
      const name = `${spec.kind}-x${scale}${variant.withSummary ? '' : '-without-summary'}`;
      const server = await startChild(name, spec.script, spec.env, spec.nodeArgs);
      running.push({ spec, server, sqlPerRequest: NaN });
    }
    await checkSameData(running);
    for (const r of running) {
      r.sqlPerRequest = r.spec.kind === 'ours' ? oursSql : r.spec.kind === 'base' ? baseSql : await endpointSqlPerRequest(r.spec, r.server);
      log(`${r.spec.label}: ${r.sqlPerRequest} SQL statements per request`);
    }
    const pids = running.map((r) => r.server.child.pid!);
    const load0 = os.loadavg();
    const results: Measurement[] = [];
    for (let round = 0; round < opts.rounds; round += 1) {
      const order = roundOrder(running, round);
      const measured: Measurement[] = [];
      for (const [i, r] of order.entries()) measured.push(await measure(r, opts, client, pids, round + 1, i + 1));
      // Ratios within the round only.
      const rps = (kind: ServerKind) => measured.find((m) => m.server === kind)?.requestsPerSecond;
      for (const m of measured) {
        const pg4 = rps('pg4');
        const floor = rps('floor');
        m.vsPg4 = pg4 ? round2(m.requestsPerSecond / pg4) : null;
        m.vsFloor = floor ? round2(m.requestsPerSecond / floor) : null;
      }
      log(`round ${round + 1} (${order.map((r) => r.spec.kind).join(', ')}): ${measured.map((m) => `${m.server} ${m.requestsPerSecond} req/s`).join(', ')}`);
      results.push(...measured);
    }
    const load1 = os.loadavg();
    return {
      scale: `${scale}x`,
      variant: variant.name,
      loadAverageBefore: load0.map(round2),
      loadAverageAfter: load1.map(round2),
      servers: specs.map((spec) =>
        summarise(
          spec,
          results.filter((m) => m.server === spec.kind),
        ),
      ),
      rounds: results,
    };
  } finally {
    for (const r of running) await stopChild(r.server);
  }
}

/** The medians over the rounds (peak RSS: the highest; ratios: the median of the per-round ratios). */
function summarise(spec: ServerSpec, rows: Measurement[]) {
  const med = (f: (m: Measurement) => number | null) => median(rows.map((m) => f(m) ?? NaN));
  return {
    server: spec.kind,
    label: spec.label,
    requestsPerSecond: med((m) => m.requestsPerSecond),
    latencyP50Ms: med((m) => m.latencyP50Ms),
    latencyP99Ms: med((m) => m.latencyP99Ms),
    nodeCpuMsPerRequest: med((m) => m.nodeCpuMsPerRequest),
    postgresCpuMsPerRequest: med((m) => m.postgresCpuMsPerRequest),
    peakRssMb: Math.max(...rows.map((m) => m.peakRssMb)),
    sqlPerRequest: rows[0]?.sqlPerRequest ?? NaN,
    vsPg4: med((m) => m.vsPg4),
    vsFloor: med((m) => m.vsFloor),
    failed: rows.reduce((n, m) => n + m.errors + m.non2xx, 0),
    machineBusyPercent: med((m) => m.machineBusyPercent),
  };
}

type Run = Awaited<ReturnType<typeof benchVariant>>;

const show = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : String(n));

/** One row per variant, server and scale, 1x beside 10x; every figure the median of the rounds. */
function table(runs: Run[], servers: ServerKind[]): string {
  const lines = [
    '| variant | server | scale | req/s | p99 ms | Node CPU ms/req | PostgreSQL CPU ms/req | peak RSS MB | SQL/req | × PG4 | × floor | failed | machine busy % |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const variant of [...new Set(runs.map((r) => r.variant))]) {
    for (const kind of servers) {
      for (const run of runs.filter((r) => r.variant === variant)) {
        const s = run.servers.find((x) => x.server === kind);
        if (!s) continue;
        lines.push(
          `| ${variant} | ${s.label} | ${run.scale} | ${show(s.requestsPerSecond)} | ${show(s.latencyP99Ms)} | ${show(s.nodeCpuMsPerRequest)} | ${show(s.postgresCpuMsPerRequest)} | ${show(s.peakRssMb)} | ${show(s.sqlPerRequest)} | ${show(s.vsPg4)} | ${show(s.vsFloor)} | ${s.failed} | ${show(s.machineBusyPercent)} |`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** Every round as measured, in the order measured. */
function roundsTable(runs: Run[]): string {
  const lines = [
    '| scale | variant | round | # | server | req/s | p50 ms | p99 ms | Node CPU ms/req | PostgreSQL CPU ms/req | peak RSS MB | SQL/req under load | × PG4 | × floor | machine busy % |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const run of runs) {
    for (const m of run.rounds) {
      lines.push(
        `| ${run.scale} | ${run.variant} | ${m.round} | ${m.position} | ${m.label} | ${m.requestsPerSecond} | ${m.latencyP50Ms} | ${m.latencyP99Ms} | ${show(m.nodeCpuMsPerRequest)} | ${show(m.postgresCpuMsPerRequest)} | ${m.peakRssMb} | ${show(m.sqlPerRequestUnderLoad)} | ${show(m.vsPg4)} | ${show(m.vsFloor)} | ${m.machineBusyPercent} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Issue 16's goals for ours, per variant and scale: a quick reading of the table, not a test. */
function goals(runs: Run[]): string {
  const lines = ['| variant | scale | × PG4 ≥ 1.5 | × floor ≥ 0.7 | Node CPU ≤ 5 ms | peak RSS ≤ 250 MB | SQL/req ≤ 4 |', '|---|---|---|---|---|---|---|'];
  const mark = (ok: boolean, value: number | null) => `${ok ? 'yes' : 'no'} (${show(value)})`;
  for (const run of runs) {
    const s = run.servers.find((x) => x.server === 'ours');
    if (!s) continue;
    lines.push(
      `| ${run.variant} | ${run.scale} | ${mark((s.vsPg4 ?? 0) >= 1.5, s.vsPg4)} | ${mark((s.vsFloor ?? 0) >= 0.7, s.vsFloor)} | ${mark(s.nodeCpuMsPerRequest <= 5, s.nodeCpuMsPerRequest)} | ${mark(s.peakRssMb <= 250, s.peakRssMb)} | ${mark(s.sqlPerRequest <= 4, s.sqlPerRequest)} |`,
    );
  }
  for (const variant of [...new Set(runs.map((r) => r.variant))]) {
    const counts = runs.filter((r) => r.variant === variant).map((r) => r.servers.find((x) => x.server === 'ours')?.sqlPerRequest);
    if (counts.length > 1)
      lines.push(`\nours, ${variant}: SQL/req ${counts.join(' / ')} across scales (${new Set(counts).size === 1 ? 'constant' : 'NOT constant'})`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = options();
  log(`servers: ${opts.servers.join(', ')}; node flags for every server: ${opts.nodeFlags.join(' ') || '(none)'}`);
  if (opts.baseNodeFlags) log(`node flags for base: ${opts.baseNodeFlags.join(' ') || '(none)'}`);
  if (opts.servers.includes('ours')) log(`ours: ${path.relative(ROOT, opts.ours)} with WORKERS=${opts.workers}`);
  if (opts.base) log(`base: ${path.relative(ROOT, opts.base)} with WORKERS=${opts.workers}`);
  log(
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GB, node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const peers = opts.servers.includes('pg4') || opts.servers.includes('pg5');
  if (peers) ensurePeersInstalled();
  const scripts = [
    ...(opts.servers.includes('ours') ? [opts.ours] : []),
    ...(opts.base ? [opts.base] : []),
    ...(opts.servers.includes('floor') ? [path.join(ROOT, 'dist/bench/floor.js')] : []),
  ];
  for (const script of scripts) if (!fs.existsSync(script)) throw new Error(`${script} is missing: run npm run build first.`);

  const started = Date.now();
  const runs: Run[] = [];
  for (const scale of opts.scales) {
    const size = SCALES[scale];
    const url = databaseUrl(scale);
    const shown = new URL(url);
    shown.password = shown.password ? '***' : '';
    log(`scale ${scale}x: ${size.organisations} organisations / ${size.models} models / ${size.links} links on ${shown}`);
    await prepare(url, size, peers);
    const client = new Client({ connectionString: url, application_name: 'dvk-bench-runner' });
    await client.connect();
    try {
      for (const variant of opts.variants) runs.push(await benchVariant(scale, url, variant, opts, client));
    } finally {
      await client.end();
    }
  }
  const minutes = Math.round((Date.now() - started) / 6000) / 10;

  const report = { date: new Date().toISOString(), cpus: os.cpus().length, node: process.version, minutes, options: { ...opts }, runs };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, 'latest.json');
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(OUT_DIR, `run-${report.date.replace(/[:.]/g, '-')}.json`), JSON.stringify(report, null, 2));
  console.log('');
  console.log(
    `### The dashboard side by side (${opts.rounds} interleaved round${opts.rounds > 1 ? 's' : ''} of ${opts.duration} s, -c ${opts.connections}, after ${opts.firstWarmup} s of warm-up before the first and ${opts.warmup} s before each other, medians; ${minutes} min)\n`,
  );
  for (const run of runs)
    console.log(`- ${run.scale}, ${run.variant}: load average before ${run.loadAverageBefore.join(' ')}, after ${run.loadAverageAfter.join(' ')}`);
  console.log(`\n${table(runs, opts.servers)}\n`);
  if (opts.servers.includes('ours')) console.log(`#### Goals (issue 16) for ours\n\n${goals(runs)}\n`);
  console.log(`#### Every round\n\n${roundsTable(runs)}\n`);
  console.log(`JSON written to ${file}`);
  if (opts.profile) console.log(`CPU profiles in ${path.join(OUT_DIR, 'profiles')}: node dist/bench/profile-summary.js <file>`);
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
