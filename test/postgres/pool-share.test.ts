import type { EntitySubscriberInterface } from 'typeorm';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * One request asks for many aliases of a field that runs its own SQL statement (a `summary`
 * filtered by a start-date range is one GROUP BY each: the aggregates do not key dates). It may hold at most DB_MAX_CONCURRENT_PER_REQUEST of the
 * pool's connections at once; its other statements wait their turn inside the request, so
 * another caller still finds a free connection at once. Before the limit, the flood took every
 * connection and queued hundreds of statements ahead of everybody else.
 */
const POOL = 4;
const ALIASES = 200;
const FLOOD = `query ($f: ModelFilter) { ${Array.from({ length: ALIASES }, (_, i) => `a${i}: summary(filter: $f) { totalModels }`).join(' ')} }`;

let server: TestServer;
/** The flood's filter: its own new organisation, so each statement's cost does not depend on what else the shared database holds. */
let filter: { domain: string[]; organisationId: string; startedFrom: string };

beforeAll(async () => {
  server = await startTestServer({
    dbPoolSize: POOL,
    dbMaxConcurrentPerRequest: 1,
    // The cost model may price such fields higher, and one connection at a time the flood takes
    // several seconds (more on a busy machine): this test is about the pool, not those limits.
    maxQueryComplexity: 100_000_000,
    maxAliases: 100_000,
    requestTimeoutMs: 170_000,
  });
  const created = await server.ok(`mutation { createOrganisation(input: { name: "Tổ chức thử chia sẻ kết nối ${Date.now()}", kind: OTHER }) { id } }`);
  filter = { domain: ['ECONOMY'], organisationId: created.createOrganisation.id, startedFrom: '2000-01-01' };
});

afterAll(async () => {
  await server?.stop();
});

describe('one request flooding the pool', () => {
  it('holds at most its share of the connections, and another caller is served meanwhile', async () => {
    // Arrange: count the flood's statements running at any moment (each holds a connection)
    const { dataSource } = server.db;
    const isFlood = (sql: string) => sql.includes('WITH ms AS MATERIALIZED');
    let running = 0;
    let most = 0;
    let firstAt = 0;
    const counter: EntitySubscriberInterface = {
      beforeQuery(event) {
        if (!isFlood(event.query)) return;
        firstAt ||= Date.now();
        running += 1;
        most = Math.max(most, running);
      },
      afterQuery(event) {
        if (isFlood(event.query)) running -= 1;
      },
    };
    dataSource.subscribers.push(counter);

    // Act: the flood; once its statements run (parsing and planning the fields comes first),
    // a cheap query from someone else
    let answered = false;
    const flood = server.gql(FLOOD, { f: filter }).then((r) => {
      answered = true;
      return { r, at: Date.now() };
    });
    // Until its statements run; a flood refused before any (say, by another limit) must fail the test, not hang it.
    while (!firstAt && !answered) await new Promise((r) => setTimeout(r, 5));
    const cheapStarted = Date.now();
    const cheap = await server.gql('{ organisations(first: 1) { totalCount } }');
    const cheapTook = Date.now() - cheapStarted;
    const done = await flood;
    dataSource.subscribers.splice(dataSource.subscribers.indexOf(counter), 1);
    const floodTook = done.at - firstAt;

    // Assert
    console.log(
      `[pool share] flood of ${ALIASES} aliases: statements for ${floodTook} ms, at most ${most} of them (of a pool of ${POOL}) at once; another caller's query meanwhile: ${cheapTook} ms`,
    );
    expect(done.r.errors).toBeUndefined();
    expect(Object.keys(done.r.data)).toHaveLength(ALIASES);
    expect(most).toBe(1);
    expect(cheap.errors).toBeUndefined();
    // The other caller did not queue behind the flood's statements.
    expect(cheapTook).toBeLessThan(Math.max(1_000, floodTook / 2));
  }, 180_000);
});
