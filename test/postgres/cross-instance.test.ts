import { seeder, useTestServer } from '../helpers/seed';
import { startTestServer, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/*
 * Two server instances on one PostgreSQL, each with its own pool, event hub and LISTEN
 * connection (what two processes behind a load balancer have); only PostgreSQL joins them.
 * Runs in the PostgreSQL pass of the suite (jest.config.js): the embedded database is one
 * process's own.
 */
const a = useTestServer();

const CHANGES = `subscription($after: String, $filter: ChangeFilter) { changes(after: $after, filter: $filter) { cursor type entityId } }`;

describe('across instances (PostgreSQL LISTEN/NOTIFY)', () => {
  let b: TestServer;
  beforeAll(async () => {
    b = await startTestServer();
  });
  afterAll(() => b?.stop());

  it('delivers a change made on instance A to a subscriber on instance B, also after B lost its LISTEN connection', async () => {
    // Arrange: a subscriber on B, following a private organisation from now
    const seed = seeder(a.server);
    const root = await seed.organisation({ kind: 'WARD' });
    const client = wsClient(b);
    const { latestChangeCursor: after } = await b.ok('{ latestChangeCursor }');
    const sub = new Subscription(client, CHANGES, { after, filter: { organisationId: root.id } });
    // Act 1: a change on A reaches B
    const first = await seed.model({ leadOrganisationId: root.id });
    await sub.count(1);
    expect(sub.data[0].changes.entityId).toBe(first.id);

    // Act 2: kill B's listening backend, then change on A while B is deaf: those NOTIFYs are lost
    const [{ n }] = await a.server.db.dataSource.query(`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1`, [
      b.listenerName,
    ]);
    expect(n).toBe(1);
    const second = await seed.model({ leadOrganisationId: root.id });
    const third = await seed.model({ leadOrganisationId: root.id });

    // Assert: B reconnects, catches up from the log, and nothing is lost or repeated
    await sub.count(3, 15_000);
    expect(sub.data.map((d) => d.changes.entityId)).toEqual([first.id, second.id, third.id]);
    const ready: any = await (await fetch(b.url.replace('/graphql', '/readyz'))).json();
    expect(ready.events.listening).toBe(true);
    sub.stop();
    await client.dispose();
  });
});
