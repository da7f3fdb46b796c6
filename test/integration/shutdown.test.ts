import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { embeddedDataDir, entryPointCommand } from '../helpers/entry-point';
import { freePort, TEST_JWT_SECRET } from '../helpers/basics';
import type { TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/*
 * The real entry point, stopped the way a process manager or Ctrl-C stops it: SIGTERM to an idle
 * server, and to one where a client holds a keep-alive HTTP connection and a live subscription.
 * It must exit with code 0 promptly (an idle server used to take 10 s: Apollo's own signal handler
 * raced ours).
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** Starts src/main.ts as deployed (Apollo installs its own signal handlers outside NODE_ENV=test). */
async function startEntryPoint(): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(entryPointCommand()[0], entryPointCommand().slice(1), {
    cwd: ROOT,
    // Embedded without DATABASE_URL, on a copy of the suite's migrated data folder (as a restarted
    // `npm start` finds its own); on PostgreSQL the global setup has migrated.
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      ANONYMOUS_READS: 'true',
      DATA_DIR: process.env.DATABASE_URL ? 'memory://' : embeddedDataDir('migrated'),
      SEED_DEMO: 'false',
      RUN_MIGRATIONS: process.env.DATABASE_URL ? 'false' : 'true',
      WS_KEEPALIVE_MS: '60000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 90_000;
  while (!/ready at/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

/** Sends SIGTERM and waits for the exit: how it ended and how long it took. */
async function terminate(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; took: number }> {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = Date.now();
  child.kill('SIGTERM');
  const exit = await exited;
  return { ...exit, took: Date.now() - started };
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('graceful shutdown on SIGTERM', () => {
  it('exits with code 0 within 5 s when idle', async () => {
    const { child } = await startEntryPoint();
    const exit = await terminate(child);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.took).toBeLessThan(5_000);
  }, 120_000);

  it('exits with code 0 within 5 s while a client holds a keep-alive connection and a subscription, and closes them', async () => {
    const { child, base } = await startEntryPoint();
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ latestChangeCursor }' }),
    });
    expect(res.status).toBe(200);
    await res.json();
    const client = wsClient({ url: `${base}/graphql` } as TestServer);
    const sub = new Subscription(client, 'subscription { changes { cursor } }');
    await new Promise((r) => setTimeout(r, 300)); // the subscribe message is in

    const exit = await terminate(child);

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.took).toBeLessThan(5_000);
    await sub.until((s) => s.done || client.closes.length > 0, 2_000).catch(() => undefined);
    expect(client.closes.length + (sub.done ? 1 : 0)).toBeGreaterThan(0);
    await client.dispose();
  }, 120_000);
});
