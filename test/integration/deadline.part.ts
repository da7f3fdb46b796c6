import type { PoolClient } from 'pg';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Every connection of the pool is busy (held here, as a flood of other work would hold them):
 * a request must not wait for one forever or fail with INTERNAL_SERVER_ERROR, and /readyz must
 * answer 503 within its own short bound. On PostgreSQL the pool's wait ends first
 * (DB_CONNECT_TIMEOUT_MS: SERVICE_UNAVAILABLE); the embedded database's single session has no
 * such wait, so the request deadline ends it (REQUEST_TIMEOUT_MS: TIMEOUT).
 */
const REQUEST_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 500;
const READY_TIMEOUT_MS = 300;
const BOUND_MS = 6_000;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    exposeErrors: false,
    dbPoolSize: 2,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    dbConnectTimeoutMs: CONNECT_TIMEOUT_MS,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
});

afterAll(async () => {
  await server?.stop();
});

/** A fetch that gives up after `ms` (so the test reports a hang instead of hanging). */
async function within(url: string, init: RequestInit, ms: number): Promise<{ took: number; status: number; body: any }> {
  const started = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
    return { took: Date.now() - started, status: res.status, body: await res.json() };
  } catch (error) {
    return { took: Date.now() - started, status: 0, body: { hung: String(error) } };
  }
}

describe('a pool with no free connection', () => {
  it('refuses a request in bounded time with SERVICE_UNAVAILABLE or TIMEOUT, answers /readyz 503 quickly, and serves again once freed', async () => {
    // Arrange: every pooled connection taken
    const pool = (server.db.dataSource.driver as unknown as { master: { options: { max: number }; connect(): Promise<PoolClient> } }).master;
    const held: PoolClient[] = [];
    for (let i = 0; i < pool.options.max; i += 1) held.push(await pool.connect());
    const post = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ organisations(first: 1) { totalCount } }' }),
    };

    // Act
    const [query, ready] = await Promise.all([within(server.url, post, 20_000), within(server.url.replace('/graphql', '/readyz'), {}, 20_000)]);
    for (const client of held) client.release();
    const after = await within(server.url, post, 20_000);

    // Assert
    console.log(
      `[pool busy] query ${query.took} ms (${query.body.errors?.[0]?.extensions?.code ?? JSON.stringify(query.body)}), /readyz ${ready.took} ms (${ready.status})`,
    );
    const expected = server.db.embedded ? 'TIMEOUT' : 'SERVICE_UNAVAILABLE';
    expect(query.body.errors?.[0]?.extensions?.code).toBe(expected);
    expect(query.took).toBeLessThan(BOUND_MS);
    expect(JSON.stringify(query.body)).not.toMatch(/timeout exceeded|stack/i);
    expect(ready.status).toBe(503);
    expect(ready.took).toBeLessThan(BOUND_MS / 2);
    expect(after.status).toBe(200);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.organisations.totalCount).toBeGreaterThan(0);
  });
});
