import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Role } from '../../src/shared/actor';
import { signToken } from '../../src/shared/auth';
import { ConfigError, loadConfig } from '../../src/shared/config';
import { entryPointCommand } from '../helpers/entry-point';
import { freePort, TEST_JWT_SECRET } from '../helpers/basics';
import type { TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/*
 * The real entry point with WORKERS=2: a supervisor and two worker processes sharing one port
 * and one PostgreSQL. A subscription held by one process receives changes made through either.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** GET /readyz on a fresh connection, so the kernel may hand it to either worker. */
async function ready(base: string): Promise<{ pid: number }> {
  const res = await fetch(`${base}/readyz`, { headers: { connection: 'close' } });
  return (await res.json()) as { pid: number };
}

describe('WORKERS=2 (node:cluster)', () => {
  let child: ChildProcess;
  let base: string;
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(entryPointCommand()[0], entryPointCommand().slice(1), {
      cwd: ROOT,
      env: {
        ...process.env,
        WORKERS: '2',
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        PORT: String(port),
        HOST: '127.0.0.1',
        SEED_DEMO: 'false',
        RUN_MIGRATIONS: 'false',
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
  }, 120_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses WORKERS above 1 without DATABASE_URL', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(ConfigError);
  });

  it('answers from two processes, and delivers a change made through one to a subscriber on the other', async () => {
    // Arrange: both workers answer on the one port
    const pids = new Set<number>();
    for (let i = 0; i < 40 && pids.size < 2; i += 1) pids.add((await ready(base)).pid);
    expect(pids.size).toBe(2);
    const server = { url: `${base}/graphql` } as TestServer;
    const gql = async (query: string, variables?: Record<string, unknown>) => {
      const admin = await signToken(TEST_JWT_SECRET, loadConfig().auth, { sub: 'workers-test', role: Role.ADMIN });
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, connection: 'close' },
        body: JSON.stringify({ query, variables }),
      });
      const body: any = await res.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const { createOrganisation: org } = await gql(
      `mutation { createOrganisation(input: { name: "Tổ chức hai tiến trình ${Date.now()}", kind: OTHER }) { id } }`,
    );
    const { latestChangeCursor: after } = await gql('{ latestChangeCursor }');
    const client = wsClient(server);
    const sub = new Subscription(client, `subscription($after: String, $org: ID!) { changes(after: $after, filter: { organisationId: $org }) { entityId } }`, {
      after,
      org: org.id,
    });

    // Act: ten models created over fresh connections, spread over both workers
    const created: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const { createModel } = await gql(
        `mutation($org: ID!, $name: String!) { createModel(input: { name: $name, domain: ECONOMY, leadOrganisationId: $org }) { id } }`,
        { org: org.id, name: `Mô hình ${i}` },
      );
      created.push(createModel.id);
    }

    // Assert: the one subscriber saw all ten, in order
    await sub.count(10, 20_000);
    expect(sub.data.map((d: any) => d.changes.entityId)).toEqual(created);
    sub.stop();
    await client.dispose();
  });

  it('replaces a worker that dies', async () => {
    const victim = (await ready(base)).pid;
    process.kill(victim, 'SIGKILL');
    const deadline = Date.now() + 60_000;
    const seen = new Set<number>();
    while (Date.now() < deadline) {
      try {
        seen.add((await ready(base)).pid);
      } catch {
        // the dying worker's connection
      }
      if ([...seen].filter((p) => p !== victim).length >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen.has(victim)).toBe(false);
    expect([...seen].filter((p) => p !== victim).length).toBe(2);
  }, 90_000);
});
