import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

/** What the benchmarks share: child servers, their /proc figures, and the bench databases. */

export const ROOT = path.resolve(__dirname, '..', '..');
export const OUT_DIR = path.join(ROOT, '.data', 'bench');
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * The servers a bench starts run with NODE_ENV=production, which needs a real key: this one, known
 * to the bench so it can sign its own ADMIN token for mutations. Reads stay anonymous, as measured.
 */
export const BENCH_JWT_SECRET = 'bench-secret-of-the-dan-van-kheo-benches-0123456789';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers`);
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(130), 2000).unref();
  });
}

/**
 * The V8 flags `npm start` passes (package.json's start script), which every bench gives its
 * servers unless told otherwise: read from there, so the two cannot drift apart.
 */
export const START_NODE_FLAGS: string = (() => {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const flags = /\bnode((?:\s+--\S+)*)\s+dist\/src\/main\.js/.exec(start);
  if (!flags) throw new Error(`package.json's start script does not run "node [flags] dist/src/main.js": ${start}`);
  return flags[1].trim();
})();

/**
 * Our server as measured: on the bench database as it is (no migrations, no demo seed), in
 * production mode. The per-caller rate limit still runs on every request (its cost is measured),
 * with a budget no bench reaches: every request here comes from one address.
 */
export function oursEnv(url: string, workers = 1): Record<string, string> {
  return {
    DATABASE_URL: url,
    NODE_ENV: 'production',
    SEED_DEMO: 'false',
    RUN_MIGRATIONS: 'false',
    WORKERS: String(workers),
    RATE_LIMIT_POINTS: '100000000',
  };
}

/**
 * Where a profiled function's code lives, from its script URL: a package, a file of ours (its path
 * under dist/), node's own module, or `(native)` for a frame without a script (V8's own, and
 * generated code such as graphql-jit's compiled operations).
 */
export function packageOf(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : path.basename(url);
}

/** The nearest-rank percentile of an ascending list (NaN when it is empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Creates the database named in `url` if it does not exist. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      log(`creating database ${name}`);
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  name: string;
  url: string;
  child: ChildProcess;
  logFile: string;
}

/** Starts `node [nodeArgs] script` on a free port and waits for its /readyz. */
export async function startChild(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildServer> {
  const port = await freePort();
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const logFile = path.join(OUT_DIR, `${name}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: {
      ...process.env,
      AUTH_JWT_SECRET: BENCH_JWT_SECRET,
      AUTH_ISSUER: '',
      AUTH_AUDIENCE: '',
      ANONYMOUS_READS: 'true',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { name, url: `${base}/graphql`, child, logFile };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not become ready; its output:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

export async function stopChild(server: ChildServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** A process and its children (a server started with WORKERS > 1 is a supervisor and its workers). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** utime + stime of a process and its children, in clock ticks. */
export function procCpuTicks(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      // Fields after the command name (which may contain spaces): utime and stime are 14th and 15th.
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/** Resident and peak-resident memory of a process and its children, summed (kB). */
export function procMemoryKb(pid: number): { hwm: number; rss: number } {
  let hwm = 0;
  let rss = 0;
  for (const p of processTree(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      hwm += kb('VmHWM');
      rss += kb('VmRSS');
    } catch {
      // gone meanwhile
    }
  }
  return { hwm, rss };
}

/** utime + stime of one process in clock ticks, or null when it is gone (a PostgreSQL backend, say). */
export function processCpuTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * CPU of the PostgreSQL backends that serve one server, over a window: the backends of the bench
 * database whose `application_name` is the server's (each child gets PGAPPNAME), read from
 * /proc/<pid>/stat (PostgreSQL runs on this machine). `start()` takes the baseline, `sample()` (call
 * it every second or so) picks up backends opened meanwhile (counted from zero), `ticks()` is the
 * sum of what each backend spent since. A backend that exits between two samples loses its last second.
 */
export class BackendCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private started = false;

  constructor(
    private readonly client: Client,
    private readonly applicationName: string,
  ) {}

  private async pids(): Promise<number[]> {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
      [this.applicationName],
    );
    return rows.map((r) => r.pid);
  }

  async start(): Promise<void> {
    this.first.clear();
    this.last.clear();
    for (const pid of await this.pids()) {
      const t = processCpuTicks(pid);
      if (t === null) continue;
      this.first.set(pid, t);
      this.last.set(pid, t);
    }
    this.started = true;
  }

  async sample(): Promise<void> {
    if (!this.started) return;
    const seen = new Set([...this.last.keys(), ...(await this.pids())]);
    for (const pid of seen) {
      const t = processCpuTicks(pid);
      if (t === null) continue;
      if (!this.first.has(pid)) this.first.set(pid, 0);
      this.last.set(pid, t);
    }
  }

  /** Ticks spent since start() by every backend seen, and how many backends that was. */
  ticks(): { ticks: number; backends: number } {
    let ticks = 0;
    for (const [pid, t] of this.last) ticks += t - (this.first.get(pid) ?? 0);
    return { ticks, backends: this.last.size };
  }
}
