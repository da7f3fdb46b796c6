import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { entryPointCommand } from '../helpers/entry-point';
import { scrape, valueOf } from '../helpers/metrics';
import { freePort, TEST_JWT_SECRET } from '../helpers/basics';

/*
 * The real entry point with WORKERS=2: one scrape gives the figures of both workers, whether the
 * primary serves them on METRICS_PORT or a worker answers on the API's port (it asks the primary,
 * which aggregates both through prom-client's AggregatorRegistry).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const OTHER_OK = { operation: 'other', outcome: 'ok' };
const DURATION = 'dvk_graphql_request_duration_seconds_count';

/** Starts WORKERS=2 on a free port, with `env` on top; resolves once both workers are ready. */
async function startWorkers(env: Record<string, string>): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(entryPointCommand()[0], entryPointCommand().slice(1), {
    cwd: ROOT,
    env: {
      ...process.env,
      WORKERS: '2',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      RUN_MIGRATIONS: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 90_000;
  while ((output.match(/ready at/g) ?? []).length < 2) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`workers did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The pids answering /readyz on fresh connections (the cluster hands connections to the workers in turn). */
async function answering(base: string): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < 40 && pids.size < 2; i += 1) {
    pids.add(((await (await fetch(`${base}/readyz`, { headers: { connection: 'close' } })).json()) as { pid: number }).pid);
  }
  return pids;
}

/** `n` GraphQL requests, each on a fresh connection, so both workers serve some. */
async function requests(base: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(((await res.json()) as any).data).toEqual({ __typename: 'Query' });
  }
}

describe('WORKERS=2, METRICS_PORT: the primary serves the aggregate', () => {
  let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
  let metricsUrl: string;
  beforeAll(async () => {
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    workers = await startWorkers({ METRICS_PORT: String(metricsPort) });
  }, 120_000);
  afterAll(() => stop(workers?.child));

  it('counts the requests of both workers in one scrape', async () => {
    const before = await scrape(metricsUrl);
    expect(before.status).toBe(200);
    expect((await answering(workers!.base)).size).toBe(2);
    await requests(workers!.base, 20);
    const after = await scrape(metricsUrl);
    expect(valueOf(after.samples, DURATION, OTHER_OK) - valueOf(before.samples, DURATION, OTHER_OK)).toBe(20);
    // Both workers' pools and process figures are summed.
    expect(after.samples.filter((s) => s.name === 'dvk_db_pool_connections')).toHaveLength(1);
    expect(valueOf(after.samples, 'dvk_db_pool_connections')).toBeGreaterThanOrEqual(2);
    expect(valueOf(after.samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    // The workers do not serve /metrics on the API's port then.
    expect((await fetch(`${workers!.base}/metrics`, { headers: { connection: 'close' } })).status).toBe(404);
  });
});

describe('WORKERS=2, metrics on the API port: whichever worker is scraped answers for both', () => {
  let workers: Awaited<ReturnType<typeof startWorkers>> | undefined;
  beforeAll(async () => {
    workers = await startWorkers({});
  }, 120_000);
  afterAll(() => stop(workers?.child));

  it('gives the same aggregate from every scrape', async () => {
    const url = `${workers!.base}/metrics`;
    const before = await scrape(url);
    expect(before.status).toBe(200);
    expect((await answering(workers!.base)).size).toBe(2);
    await requests(workers!.base, 20);
    // Four scrapes on fresh connections reach both workers; each sees all 20 requests.
    for (let i = 0; i < 4; i += 1) {
      const after = await scrape(url);
      expect(valueOf(after.samples, DURATION, OTHER_OK) - valueOf(before.samples, DURATION, OTHER_OK)).toBe(20);
    }
  });
});
