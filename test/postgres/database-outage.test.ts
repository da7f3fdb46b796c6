import { Client } from 'pg';
import { readyz, startTestServer, untilServingAgain, type TestServer } from '../helpers/server';

/*
 * The database goes away under a running server (every backend terminated, new connections
 * refused), then comes back. A database of its own, so the outage touches no other test.
 */
const name = `dvk_outage_${process.pid}`;
const adminUrl = new URL(process.env.DATABASE_URL as string);
adminUrl.pathname = '/postgres';
const dbUrl = new URL(process.env.DATABASE_URL as string);
dbUrl.pathname = `/${name}`;

let admin: Client;
let server: TestServer;

async function outage(on: boolean): Promise<void> {
  await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS ${on ? 'false' : 'true'}`);
  if (on) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
}

beforeAll(async () => {
  admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  server = await startTestServer({ databaseUrl: dbUrl.toString(), runMigrations: true, seedDemo: true, dbPoolSize: 2, exposeErrors: false });
});

afterAll(async () => {
  await server?.stop();
  await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
});

describe('a database outage', () => {
  it('answers SERVICE_UNAVAILABLE and 503 while the database is gone, changes nothing, and recovers by itself', async () => {
    // Arrange
    const count = `{ organisations(first: 1) { totalCount } }`;
    const before = (await server.ok(count)).organisations.totalCount;

    // Act: the database goes away
    await outage(true);
    const query = await server.gql(count);
    const mutation = await server.gql(`mutation { createOrganisation(input: { name: "Tổ chức trong lúc mất kết nối", kind: OTHER }) { id } }`);
    const down = await readyz(server);

    // Assert: clear refusals, no crash, nothing internal (as in production: EXPOSE_ERRORS off)
    expect(query.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(mutation.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(mutation)).not.toMatch(/terminat|ECONNREFUSED|stack/i);
    expect(down.status).toBe(503);

    // Act: it comes back; the pool and the event listener reconnect on their own
    await outage(false);
    const up = await untilServingAgain(server);

    // Assert: serving again, and the refused mutation left nothing behind
    expect(up.status).toBe(200);
    expect(up.body.events.listening).toBe(true);
    expect((await server.ok(count)).organisations.totalCount).toBe(before);
    const created = await server.ok(`mutation { createOrganisation(input: { name: "Tổ chức sau khi nối lại", kind: OTHER }) { id } }`);
    expect(created.createOrganisation.id).toBeTruthy();
  });
});
