import type { EntitySubscriberInterface } from 'typeorm';
import { appendBurst, seeder } from '../helpers/seed';
import { startTestServer, uniqueName, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/*
 * The database connection goes away under a running request the way it does in a shutdown: the
 * DataSource is destroyed while a mutation's transaction is open, so its next statement meets
 * TypeORM's "query runner already released" errors (seen once from summary-aggregates'
 * `contribute`). The client must get SERVICE_UNAVAILABLE, never INTERNAL_SERVER_ERROR.
 */
let server: TestServer;

beforeAll(async () => {
  // A small event buffer, so a subscription from the start replays the log from the table.
  server = await startTestServer({ exposeErrors: false, eventBufferSize: 10 });
});

afterAll(async () => {
  // The DataSource is already gone; the rest (listener, HTTP) still has to stop.
  await server?.stop().catch(() => undefined);
});

describe('the DataSource destroyed under a running request', () => {
  it('ends a subscription whose replay meets it with SERVICE_UNAVAILABLE', async () => {
    // Arrange: more than one batch (500) of events older than the buffer, and a subscription
    // replaying them from the start; after its first read of the log, the DataSource goes away.
    // The events are written straight into the change log (the test is about the replay, not
    // the mutations that would write them), and the hub has read them before the subscription starts.
    const organisation = await seeder(server).organisation({ name: uniqueName('Sự kiện') });
    await appendBurst(server, organisation.id, 520);
    const [{ head }] = await server.db.dataSource.query('SELECT max(id)::int AS head FROM change_event');
    for (let i = 0; i < 200 && server.hub.head < head; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(server.hub.head).toBeGreaterThanOrEqual(head);
    const { dataSource } = server.db;
    let destroyed: Promise<void> | null = null;
    const trigger: EntitySubscriberInterface = {
      // Right after the replay's first read of the log (not the hub's own read of new events), before its second
      afterQuery(event) {
        if (/FROM change_event e WHERE e\.id > \$1 AND e\.id <= \$2/.test(event.query)) destroyed ??= dataSource.destroy();
      },
    };
    dataSource.subscribers.push(trigger);
    const client = wsClient(server);

    // Act
    const subscription = new Subscription(client, `subscription { changes(after: "0") { cursor } }`);
    await subscription.until((s) => s.done, 20_000);
    await destroyed;
    dataSource.subscribers.splice(dataSource.subscribers.indexOf(trigger), 1);

    // Assert: the subscription ends with a refusal the client can act on; nothing internal
    const error = subscription.error as Array<{ message: string; extensions?: Record<string, unknown> }>;
    expect(subscription.results.length).toBe(500);
    expect(error?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(error)).not.toMatch(/runner|released|TypeORM|Driver|stack/i);
    await client.dispose();
  });

  it('answers SERVICE_UNAVAILABLE for the interrupted mutation and for every request after it', async () => {
    // Arrange: the DataSource back (the previous test destroyed it); the moment the mutation's
    // transaction has started, it is destroyed again (TypeORM releases every query runner at once, as on shutdown)
    const { dataSource } = server.db;
    if (!dataSource.isInitialized) await dataSource.initialize();
    let destroyed: Promise<void> | null = null;
    const trigger: EntitySubscriberInterface = {
      afterTransactionStart() {
        destroyed ??= dataSource.destroy();
      },
    };
    dataSource.subscribers.push(trigger);

    // Act
    const mutation = await server.gql(
      `mutation { createOrganisation(input: { name: ${JSON.stringify(uniqueName('Tổ chức lúc tắt máy'))}, kind: OTHER }) { id } }`,
    );
    await destroyed;
    const query = await server.gql(`{ organisations(first: 1) { totalCount } }`);
    const ready = await fetch(server.url.replace('/graphql', '/readyz'));

    // Assert
    expect(destroyed).not.toBeNull();
    expect(mutation.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(query.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify([mutation, query])).not.toMatch(/runner|released|TypeORM|Driver|stack/i);
    expect(ready.status).toBe(503);
  });
});
