import fs from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { dashboardQuery } from '../../bench/dashboard';
import { loadConfig } from '../../src/config';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * "Bounded on every path": one anonymous client must not crash, starve or freeze the server.
 * Each refusal is checked against the real server over HTTP, and the server answers a normal
 * query afterwards.
 */

const LIMITS = loadConfig();

async function post(srv: TestServer, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(srv.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
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
    for (const query of [getIntrospectionQuery(), getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true })]) {
      const reply = await post(s, { query });
      expect(codesOf(reply)).toEqual([]);
      expect(reply.body.data.__schema.types.length).toBeGreaterThan(10);
    }
  });
});

describe('cost of fields that run their own statements', () => {
  // The filter as a variable keeps 1,600 aliases under the parser's 20,000-token cap.
  const summaries = (n: number) => ({
    query: `query($f: ModelFilter) { ${Array.from({ length: n }, (_, i) => `s${i}: summary(filter: $f) { totalModels }`).join(' ')} }`,
    variables: { f: { domain: ['ECONOMY'] } },
  });

  it('refuses 1,600 aliases of summary(filter: { domain: [ECONOMY] }) with QUERY_TOO_COMPLEX', async () => {
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
  });

  it.each([
    ['topReplicated', (i: number) => `t${i}: topReplicated(first: 1) { replications }`],
    ['replicationPath', (i: number) => `p${i}: replicationPath(fromOrganisationId: "6f1c9a2e-5b7d-4c3e-8f00-0000000000a${i % 10}", toOrganisationId: "6f1c9a2e-5b7d-4c3e-8f00-0000000000b0") { length }`],
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
