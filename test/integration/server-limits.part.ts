import fs from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { dashboardQuery } from '../../bench/dashboard';
import { loadConfig } from '../../src/shared/config';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * "Bounded on every path": one anonymous client must not crash, starve or freeze the server.
 * Each refusal is checked against the real server over HTTP, and the server answers a normal
 * query afterwards.
 */

const LIMITS = loadConfig();

async function post(srv: TestServer, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json', ...srv.adminHeaders }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const codesOf = (reply: { body: any }) => (reply.body?.errors ?? []).map((e: any) => e.extensions?.code);

async function answersNormally(srv: TestServer): Promise<void> {
  const reply = await post(srv, { query: `{ organisations(first: 1) { totalCount edges { node { id } } } }` });
  expect(codesOf(reply)).toEqual([]);
  expect(reply.body.data.organisations.totalCount).toBeGreaterThan(0);
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.stop());

describe('introspection depth', () => {
  /** `__type(name: "Query") { kind ofType { kind ofType { … } } }`, `levels` ofTypes deep. */
  const ofTypeChain = (levels: number) => `{ __type(name: "Query") { ${'kind ofType { '.repeat(levels)}kind${' }'.repeat(levels)} } }`;

  it('refuses a 1,000-deep ofType nesting with QUERY_TOO_COMPLEX before compiling it', async () => {
    const reply = await post(s, { query: ofTypeChain(1000) });
    expect(reply.status).toBe(400);
    expect(codesOf(reply)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(reply.body.errors[0].extensions.depth).toBe(1002); // __type, 1,000 ofType, kind
    await answersNormally(s);
  });

  it('answers the standard introspection query, with every option GraphiQL and tools use', async () => {
    for (const query of [
      getIntrospectionQuery(),
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      }),
    ]) {
      const reply = await post(s, { query });
      expect(codesOf(reply)).toEqual([]);
      expect(reply.body.data.__schema.types.length).toBeGreaterThan(10);
    }
  });
});

describe('cost of fields that run their own statements', () => {
  // The filter as a variable keeps 1,600 aliases under the parser's 20,000-token cap. Free text is
  // one GROUP BY over the matching models (the aggregates do not key it).
  const summaries = (n: number, f: Record<string, unknown> = { domain: ['ECONOMY'], search: 'a' }) => ({
    query: `query($f: ModelFilter) { ${Array.from({ length: n }, (_, i) => `s${i}: summary(filter: $f) { totalModels }`).join(' ')} }`,
    variables: { f },
  });

  it('refuses 1,600 aliases of summary(filter: { domain: [ECONOMY], search: "a" }) with QUERY_TOO_COMPLEX', async () => {
    const reply = await post(s, summaries(1600));
    expect(codesOf(reply)).toEqual(['QUERY_TOO_COMPLEX']);
    await answersNormally(s);
  });

  it('prices each GROUP BY: 60 aliases (under the alias cap) cost more than MAX_QUERY_COMPLEXITY', async () => {
    expect(60).toBeLessThanOrEqual(LIMITS.maxAliases);
    const reply = await post(s, summaries(60));
    expect(codesOf(reply)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(reply.body.errors[0].extensions.complexity).toBeGreaterThan(LIMITS.maxQueryComplexity);
    // A few are fine.
    const few = await post(s, summaries(3));
    expect(codesOf(few)).toEqual([]);
    expect(few.body.data.s2.totalModels).toBeGreaterThan(0);
    // A domain filter reads the maintained aggregates: one indexed statement, priced as one.
    const fromAggregates = await post(s, summaries(60, { domain: ['ECONOMY'] }));
    expect(codesOf(fromAggregates)).toEqual([]);
    const totals = Object.values(fromAggregates.body.data as Record<string, { totalModels: number }>).map((alias) => alias.totalModels);
    expect(totals).toHaveLength(60);
    expect(Math.min(...totals)).toBeGreaterThanOrEqual(few.body.data.s2.totalModels);
    // Each alias is its own statement: in the PostgreSQL pass, files running beside this one add
    // models to the shared database between them; on this file's own embedded database all agree.
    if (!process.env.DATABASE_URL) expect(new Set(totals).size).toBe(1);
  });

  it.each([
    ['topReplicated', (i: number) => `t${i}: topReplicated(first: 1) { replications }`],
    [
      'replicationPath',
      (i: number) =>
        `p${i}: replicationPath(fromOrganisationId: "6f1c9a2e-5b7d-4c3e-8f00-0000000000a${i % 10}", toOrganisationId: "6f1c9a2e-5b7d-4c3e-8f00-0000000000b0") { length }`,
    ],
    ['descendants', (i: number) => `m${i}: models(first: 1) { edges { node { descendants(first: 1, maxDepth: ${i + 1}) { totalCount } } } }`],
  ])('refuses 60 aliases of %s with QUERY_TOO_COMPLEX', async (_label, alias) => {
    const reply = await post(s, { query: `{ ${Array.from({ length: 60 }, (_, i) => alias(i)).join(' ')} }` });
    expect(codesOf(reply)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it(`refuses more than MAX_ALIASES (${LIMITS.maxAliases}) aliases of a cheap field with QUERY_TOO_COMPLEX`, async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const over = await post(s, { query: aliases(LIMITS.maxAliases + 1) });
    expect(codesOf(over)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(over.body.errors[0].extensions).toMatchObject({ aliases: LIMITS.maxAliases + 1, maxAliases: LIMITS.maxAliases });
    expect(codesOf(await post(s, { query: aliases(LIMITS.maxAliases) }))).toEqual([]);
  });

  it('counts aliases inside fragments each time the fragment is spread', async () => {
    const perFragment = Math.ceil(LIMITS.maxAliases / 4) + 1;
    const fields = Array.from({ length: perFragment }, (_, i) => `x${i}: id`).join(' ');
    const query = `{ organisations(first: 1) { edges { a: node { ...F } b: node { ...F } c: node { ...F } d: node { ...F } } } } fragment F on Organisation { ${fields} }`;
    expect(codesOf(await post(s, { query }))).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it("answers the README's example queries and the benchmark's dashboard", async () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
    // The query examples (not the mutations or subscriptions), one operation at a time.
    const operations = blocks
      .flatMap((block) => block.replace(/#.*$/gm, '').split(/\n(?=query|\{)/))
      .map((op) => op.trim())
      .filter((op) => op.startsWith('{') || op.startsWith('query'));
    expect(operations.length).toBeGreaterThanOrEqual(6);
    const ids = await s.ok(`{ organisations(first: 2) { edges { node { id } } } }`);
    const [a, b] = ids.organisations.edges.map((e: any) => e.node.id);
    const refusals: Record<string, unknown> = {};
    for (const query of [...operations, dashboardQuery()]) {
      const reply = await post(s, { query, variables: { id: a, from: a, to: b } });
      const codes = codesOf(reply);
      if (codes.includes('QUERY_TOO_COMPLEX')) refusals[query.slice(0, 80)] = reply.body.errors;
    }
    expect(refusals).toEqual({});
  });
});

describe('response size', () => {
  const LARGE = `{ organisations(first: 100) { edges { node { id name shortName models(first: 20) { edges { node { id name description } } } } } } }`;
  let small: TestServer;
  let largeBytes: number;
  beforeAll(async () => {
    const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LARGE }) });
    largeBytes = Buffer.byteLength(await res.text());
    // Half of what LARGE answers, and still far above what a small query answers.
    small = await startTestServer({ maxResponseBytes: Math.floor(largeBytes / 2) });
  });
  afterAll(() => small?.stop());

  it('replaces a response over MAX_RESPONSE_BYTES with RESPONSE_TOO_LARGE, and answers the next request', async () => {
    expect(largeBytes).toBeGreaterThan(5_000);
    const reply = await post(small, { query: LARGE });
    expect(reply.body.data).toBeNull();
    expect(codesOf(reply)).toEqual(['RESPONSE_TOO_LARGE']);
    expect(reply.body.errors[0].extensions).toMatchObject({ maxResponseBytes: Math.floor(largeBytes / 2) });
    expect(reply.body.errors[0].extensions.responseBytes).toBeGreaterThan(Math.floor(largeBytes / 2));
    await answersNormally(small);
  });
});

describe('expensive operations', () => {
  // Costs about 45,000: over the threshold below, well under MAX_QUERY_COMPLEXITY.
  const EXPENSIVE = `{ organisations(first: 20) { edges { node { id name models(first: 20) { edges { node { id name replicas(first: 5) { edges { node { id } } } } } } } } } }`;
  const CHEAP = `{ organisations(first: 1) { edges { node { id name } } } }`;
  let gated: TestServer;
  let queued: TestServer;
  beforeAll(async () => {
    gated = await startTestServer({ expensiveQueryCost: 1_000, expensiveConcurrency: 1, expensiveQueueLength: 0 });
    queued = await startTestServer({ expensiveQueryCost: 1_000, expensiveConcurrency: 1, expensiveQueueLength: 1, expensiveQueueWaitMs: 300 });
  });
  afterAll(async () => {
    await gated?.stop();
    await queued?.stop();
  });

  /**
   * The one turn is held by an expensive operation of our own for as long as the test needs it
   * (the embedded database answers each request without yielding to the next, so requests alone
   * would not reliably overlap); everything else goes over HTTP.
   */
  async function holdingTheTurn<T>(srv: TestServer, body: () => Promise<T>): Promise<T> {
    const release = await srv.expensiveGate.acquire();
    expect(release).not.toBeNull();
    try {
      return await body();
    } finally {
      release?.();
    }
  }

  it('with one turn and no queue, refuses concurrent expensive operations with SERVICE_UNAVAILABLE (503, retry hint) while a cheap one is answered', async () => {
    await holdingTheTurn(gated, async () => {
      const [cheap, ...replies] = await Promise.all([post(gated, { query: CHEAP }), ...Array.from({ length: 5 }, () => post(gated, { query: EXPENSIVE }))]);
      for (const r of replies) {
        expect(r.status).toBe(503);
        expect(codesOf(r)).toEqual(['SERVICE_UNAVAILABLE']);
        expect(r.body.errors[0].extensions).toMatchObject({ reason: 'EXPENSIVE_QUERIES_BUSY', retryAfterSeconds: expect.any(Number) });
        expect(r.body.data).toBeUndefined();
      }
      expect(codesOf(cheap)).toEqual([]);
      expect(cheap.body.data.organisations.edges).toHaveLength(1);
    });
    // The turn is back: an expensive operation runs again, and gives its turn back too.
    expect(codesOf(await post(gated, { query: EXPENSIVE }))).toEqual([]);
    expect(gated.expensiveGate.stats).toMatchObject({ running: 0, queued: 0, refused: 5 });
  });

  it('gives the turn back when the operation fails during execution', async () => {
    const failing = `{ organisations(first: 20) { edges { node { id models(first: 20, after: "garbage") { edges { node { id replicas(first: 5) { edges { node { id } } } } } } } } } }`;
    const reply = await post(gated, { query: failing });
    expect(codesOf(reply)).toContain('BAD_USER_INPUT');
    expect(gated.expensiveGate.stats).toMatchObject({ running: 0, queued: 0 });
    expect(codesOf(await post(gated, { query: EXPENSIVE }))).toEqual([]);
  });

  it('lets one wait in the queue: it runs when the turn comes back, and is refused when it waited too long', async () => {
    // Waited too long: the turn is held past EXPENSIVE_QUEUE_WAIT_MS.
    await holdingTheTurn(queued, async () => {
      const reply = await post(queued, { query: EXPENSIVE });
      expect(codesOf(reply)).toEqual(['SERVICE_UNAVAILABLE']);
    });
    // Runs when the turn comes back (released as soon as it is seen waiting).
    let reply: Promise<{ status: number; body: any }> | undefined;
    await holdingTheTurn(queued, async () => {
      reply = post(queued, { query: EXPENSIVE });
      while (queued.expensiveGate.stats.queued === 0) await new Promise((r) => setTimeout(r, 5));
    });
    expect(codesOf(await reply!)).toEqual([]);
  });
});
