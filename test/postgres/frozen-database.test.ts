import { Client } from 'pg';
import { FreezableProxy } from '../helpers/freezable-proxy';
import { readyz, startTestServer, uniqueName, untilServingAgain, type TestServer } from '../helpers/server';

/*
 * PostgreSQL stops answering without closing anything (SIGSTOP, a network partition without a
 * reset): simulated by a TCP proxy in this process that stops forwarding bytes, so the real
 * server is never touched. Requests and /readyz must give up within their deadlines, change
 * nothing, and the server must recover by itself once the database answers again. Before the
 * deadlines, every one of them hung until the database came back (here: the proxy's safety
 * unfreeze after 20 s).
 */
const name = `dvk_frozen_${process.pid}`;
const adminUrl = new URL(process.env.DATABASE_URL as string);
adminUrl.pathname = '/postgres';
const target = new URL(process.env.DATABASE_URL as string);

const REQUEST_TIMEOUT_MS = 2_000;
const READY_TIMEOUT_MS = 500;
/** What "bounded" means here: well past the deadlines, well short of the 20 s freeze. */
const BOUND_MS = 8_000;
const FREEZE_MS = 20_000;

let admin: Client;
let proxy: FreezableProxy;
let server: TestServer;

async function timed<T>(work: Promise<T>): Promise<{ took: number; value: T }> {
  const started = Date.now();
  const value = await work;
  return { took: Date.now() - started, value };
}

beforeAll(async () => {
  admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  proxy = await new FreezableProxy(target.hostname, Number(target.port || 5432)).start();
  const proxied = new URL(target.toString());
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  proxied.pathname = `/${name}`;
  server = await startTestServer({
    databaseUrl: proxied.toString(),
    runMigrations: true,
    seedDemo: true,
    dbPoolSize: 4,
    exposeErrors: false,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    readyTimeoutMs: READY_TIMEOUT_MS,
    // Longer than the request deadline, so inside a request the deadline is what fires.
    dbConnectTimeoutMs: 3_000,
    dbStatementTimeoutMs: 1_500,
    dbQueryTimeoutMs: 4_000,
    dbListenPingMs: 500,
  });
});

afterAll(async () => {
  proxy?.unfreeze();
  await server?.stop();
  await proxy?.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
});

describe('a frozen database', () => {
  it('the serving pool carries the server-side bounds', async () => {
    // Act
    const [row] = await server.db.dataSource.query(
      `SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`,
    );

    // Assert
    expect(row).toEqual({ statement: '1500ms', idle: '30s' });
  });

  it('fails a query and a mutation with TIMEOUT within the deadline, answers 503 at once, changes nothing, and recovers', async () => {
    // Arrange
    const count = `{ organisations(first: 1) { totalCount } }`;
    const before = (await server.ok(count)).organisations.totalCount;
    const orgName = uniqueName('Tổ chức lúc cơ sở dữ liệu đứng');

    // Act: the database stops answering (back by itself after FREEZE_MS, like a SIGSTOP'd server)
    proxy.freeze();
    const safety = setTimeout(() => proxy.unfreeze(), FREEZE_MS);
    const [query, mutation, ready] = await Promise.all([
      timed(server.gql(count)),
      timed(server.gql(`mutation { createOrganisation(input: { name: ${JSON.stringify(orgName)}, kind: OTHER }) { id } }`)),
      timed(readyz(server)),
    ]);
    const stillFrozen = proxy.isFrozen;

    // Assert: bounded, stable codes, nothing internal
    console.log(
      `[frozen] query ${query.took} ms, mutation ${mutation.took} ms, /readyz ${ready.took} ms (deadline ${REQUEST_TIMEOUT_MS} ms, readiness ${READY_TIMEOUT_MS} ms)`,
    );
    expect(stillFrozen).toBe(true);
    expect(query.value.errors?.[0].extensions?.code).toBe('TIMEOUT');
    expect(mutation.value.errors?.[0].extensions?.code).toBe('TIMEOUT');
    expect(query.took).toBeLessThan(BOUND_MS);
    expect(mutation.took).toBeLessThan(BOUND_MS);
    expect(query.took).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(ready.value.status).toBe(503);
    expect(ready.took).toBeLessThan(BOUND_MS / 2);
    expect(JSON.stringify([query.value, mutation.value])).not.toMatch(/timeout exceeded|Query read|stack|pg_|SELECT/i);
    // The listener notices too (its health check), rather than looking like a quiet log forever.
    const listenerDeadline = Date.now() + BOUND_MS;
    while (server.hub.listening && Date.now() < listenerDeadline) await new Promise((r) => setTimeout(r, 100));
    expect(server.hub.listening).toBe(false);

    // Act: the database answers again
    clearTimeout(safety);
    proxy.unfreeze();
    const up = await untilServingAgain(server);

    // Assert: serving again, and the mutation that timed out left nothing behind
    expect(up.status).toBe(200);
    expect(up.body.events.listening).toBe(true);
    expect((await server.ok(count)).organisations.totalCount).toBe(before);
    const directUrl = new URL(target.toString());
    directUrl.pathname = `/${name}`;
    const direct = new Client({ connectionString: directUrl.toString() });
    await direct.connect();
    try {
      const found = await direct.query('SELECT count(*)::int AS n FROM organisation WHERE name = $1', [orgName]);
      expect(found.rows[0].n).toBe(0);
    } finally {
      await direct.end();
    }
    const created = await server.ok(
      `mutation { createOrganisation(input: { name: ${JSON.stringify(uniqueName('Tổ chức sau khi chạy lại'))}, kind: OTHER }) { id } }`,
    );
    expect(created.createOrganisation.id).toBeTruthy();
  });
});
