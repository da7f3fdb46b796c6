import type { AddressInfo } from 'node:net';
import express from 'express';
import { getIntrospectionQuery } from 'graphql';
import { expressHttpServer } from '../../src/app/http';
import { insertReplicatedModels, useTestServer } from '../helpers/seed';

/**
 * Operations run on graphql-jit (compiled once per document); requests asking for a federated
 * trace (ftv1) run on graphql-js. Both must answer every operation the same way: same data, same
 * errors (message, path, locations, code) and the same HTTP status.
 */
const t = useTestServer();

interface Reply {
  status: number;
  body: {
    data?: unknown;
    errors?: Array<{ message: string; path?: unknown; locations?: unknown; extensions?: { code?: string } }>;
    extensions?: Record<string, unknown>;
  };
}

async function post(body: Record<string, unknown>, graphqlJs: boolean): Promise<Reply> {
  const res = await fetch(t.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.server.adminHeaders, ...(graphqlJs ? { 'apollo-federation-include-trace': 'ftv1' } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** What a client relies on: status, data, and each error's message, path, locations and code. */
function comparable(reply: Reply) {
  return {
    status: reply.status,
    data: reply.body.data,
    errors: reply.body.errors?.map((e) => ({ message: e.message, path: e.path, locations: e.locations, code: e.extensions?.code })),
  };
}

let ids: { city: string; ward: string; source: string; replica: string; other: string };

beforeAll(async () => {
  const city = await t.seed.organisation({ kind: 'CITY' });
  const ward = await t.seed.organisation({ kind: 'WARD', parentId: city.id });
  const other = await t.seed.organisation({ kind: 'COMMUNE', parentId: city.id });
  const source = await t.seed.model({ leadOrganisationId: ward.id, domain: 'CULTURE_SOCIETY', startedOn: '2023-02-01' });
  await t.seed.model({ leadOrganisationId: ward.id, domain: 'SECURITY_DEFENCE', status: 'PILOT' });
  const link = await t.seed.replicate(source.id, other.id, '2023-05-10');
  const replica = await t.server.ok(`query($id: ID!) { replicationLink(id: $id) { target { id } } }`, { id: link.id });
  await t.seed.replicate(replica.replicationLink.target.id, ward.id, '2023-06-01');
  ids = { city: city.id, ward: ward.id, source: source.id, replica: replica.replicationLink.target.id, other: other.id };
});

/** [name, request, whether the answer is data or errors] */
const cases: Array<[string, () => Record<string, unknown>, 'data' | 'errors']> = [
  [
    'nested pages with counts, summaries and fragments',
    () => ({
      query: `query Tree($id: ID!, $withKind: Boolean!, $skipName: Boolean = false) {
        organisation(id: $id) {
          ...Org
          children(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ...Org kind @include(if: $withKind) } } }
          summary { totalModels byDomain { domain count } byStatus { status count } organisationsInvolved }
          models(includeDescendants: true, first: 5) {
            totalCount
            edges { node { __typename id name @skip(if: $skipName) domain status startedOn replicaCount
              leadOrganisation { name } locality { id }
              replicas(first: 3) { totalCount edges { node { id leadOrganisation { name } replicatedFrom { id } lineage { id } } } } } }
          }
        }
      }
      fragment Org on Organisation { id name shortName parent { id } ancestors { id } }`,
      variables: { id: ids.city, withKind: true },
    }),
    'data',
  ],
  [
    'input defaults and list coercion in variables',
    () => ({
      query: `query($f: ModelFilter) { models(filter: $f, first: 10, orderBy: { field: NAME, direction: DESC }) { totalCount edges { node { name domain } } } }`,
      variables: { f: { organisationId: ids.city, includeDescendants: true, domain: 'CULTURE_SOCIETY' } },
    }),
    'data',
  ],
  [
    'analytics: summary, reach, descendants, top replicated, path',
    () => ({
      query: `query($source: ID!, $from: ID!, $to: ID!, $filter: ModelFilter) {
        summary(filter: $filter, period: "2023-H1") { totalModels startedInPeriod replicatedInPeriod byDomain { domain count } }
        model(id: $source) { reach { directReplicas descendants depth organisationsReached localitiesReached firstReplicatedOn latestReplicatedOn }
          descendants(first: 5) { totalCount edges { depth node { id } } } }
        topReplicated(first: 3, period: "2023-H1") { replications model { id } }
        replicationPath(fromOrganisationId: $from, toOrganisationId: $to) { length models { id } links { id } }
        reportingPeriods { code reports { organisation { name } total reported { economy } difference { economy } } }
      }`,
      variables: { source: ids.source, from: ids.ward, to: ids.other, filter: { organisationId: ids.city, includeDescendants: true } },
    }),
    'data',
  ],
  [
    'federation entities, known and unknown',
    () => ({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Organisation { id name } ... on Model { id status } } }`,
      variables: {
        r: [
          { __typename: 'Organisation', id: ids.ward },
          { __typename: 'Model', id: ids.source },
          { __typename: 'Model', id: '00000000-0000-4000-8000-00000000dead' },
        ],
      },
    }),
    'data',
  ],
  [
    'custom scalars: DateTimeISO, JSONObject, LocalDate',
    () => ({
      query: `query($id: ID!) { model(id: $id) { createdAt updatedAt startedOn leadOrganisation { createdAt archivedAt } }
        changes(first: 3) { edges { node { cursor type at payload } } } }`,
      variables: { id: ids.source },
    }),
    'data',
  ],
  ['introspection', () => ({ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true }) }), 'data'],
  [
    'a page over the limit (resolver error with path)',
    () => ({ query: `query($id: ID!) { organisation(id: $id) { id models(first: 100000) { totalCount } } }`, variables: { id: ids.ward } }),
    'errors',
  ],
  ['a malformed cursor', () => ({ query: `{ models(first: 2, after: "not-a-cursor") { totalCount } }` }), 'errors'],
  [
    'a wrong enum in a variable',
    () => ({ query: `query($f: ModelFilter) { models(filter: $f) { totalCount } }`, variables: { f: { domain: ['NOT_A_DOMAIN'] } } }),
    'errors',
  ],
  ['a missing required variable', () => ({ query: `query($id: ID!) { organisation(id: $id) { id } }`, variables: {} }), 'errors'],
  ['an unknown operation name', () => ({ query: `query A { latestChangeCursor } query B { __typename }`, operationName: 'C' }), 'errors'],
  ['a wrong id', () => ({ query: `{ organisation(id: "x'; DROP TABLE model; --") { id } model(id: "00000000-0000-4000-8000-00000000dead") { id } }` }), 'data'],
  [
    'a mutation refused for a stale version (nothing changes)',
    () => ({
      query: `mutation($id: ID!) { updateModel(input: { id: $id, version: 999, name: "never" }) { id name } }`,
      variables: { id: ids.source },
    }),
    'errors',
  ],
];

describe('HTTP validators', () => {
  it('a POST answer carries no ETag (it cannot be revalidated); a GET answer keeps its ETag and answers 304 to it', async () => {
    const query = '{ __typename }';
    const post = await fetch(t.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { data: unknown }).data).toEqual({ __typename: 'Query' });
    expect(post.headers.get('etag')).toBeNull();
    const url = `${t.server.url}?query=${encodeURIComponent(query)}`;
    const get = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    const etag = get.headers.get('etag');
    expect(etag).toMatch(/^W\/"/);
    // fetch would add `cache-control: no-cache` to a conditional request (which forbids a 304): say max-age=0 instead.
    const again = await fetch(url, { headers: { 'apollo-require-preflight': 'true', 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
  });

  it('a long answer (its bytes encoded apart from express) has the Content-Length of its bytes and revalidates the same way', async () => {
    // Arrange: an answer of more than 2,048 characters with Vietnamese names, of rows only this test writes
    const ward = await t.seed.organisation({ kind: 'WARD' });
    // One organisation: it leads 20 models and, round the list of one, their 20 replicas.
    const { organisationIds } = await insertReplicatedModels(t.server.db.dataSource, { parentId: ward.id, organisations: 1, modelsEach: 20 });
    const query = `{ organisation(id: "${organisationIds[0]}") { models(first: 100, includeDescendants: false) { edges { node { id name } } } } }`;
    const url = `${t.server.url}?query=${encodeURIComponent(query)}`;
    // Act
    const get = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    const bytes = Buffer.from(await get.arrayBuffer());
    const post = await fetch(t.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const posted = Buffer.from(await post.arrayBuffer());
    // Assert: the same JSON both ways, its length in bytes, UTF-8 named; a GET's ETag answers 304
    const text = bytes.toString('utf8');
    expect(text.length).toBeGreaterThan(2048);
    expect(Buffer.byteLength(text)).toBeGreaterThan(text.length); // not ASCII alone
    expect(posted.equals(bytes)).toBe(true);
    for (const answer of [get, post]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json; charset=utf-8$/);
    }
    expect(Number(get.headers.get('content-length'))).toBe(bytes.length);
    expect(Number(post.headers.get('content-length'))).toBe(posted.length);
    expect((JSON.parse(text) as { data: { organisation: { models: { edges: unknown[] } } } }).data.organisation.models.edges).toHaveLength(40);
    const again = await fetch(url, {
      headers: { 'apollo-require-preflight': 'true', 'if-none-match': get.headers.get('etag')!, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);
  });
});

describe('The HTTP server', () => {
  it('makes each request and response with the app’s prototypes, so express has none to change, and express’s methods work', async () => {
    const app = express();
    app.get('/probe', (req, res) => {
      res.status(201).json({ host: req.get('host'), hostname: req.hostname, app: req.app === app });
    });
    const server = expressHttpServer(app);
    // Runs before express's own listener: what the server made, before express touched it.
    const seen: boolean[] = [];
    server.prependListener('request', (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request, Object.getPrototypeOf(res) === app.response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/probe`);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ host: `127.0.0.1:${port}`, hostname: '127.0.0.1', app: true });
      expect(seen).toEqual([true, true]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('graphql-jit and graphql-js execution', () => {
  it.each(cases)('answer the same: %s', async (_name, body, kind) => {
    const request = body();
    const jit = await post(request, false);
    const reference = await post(request, true);
    if (kind === 'data') {
      expect(jit.body.errors).toBeUndefined();
      expect(jit.body.data).toEqual(expect.any(Object));
    } else {
      expect(jit.body.errors?.length).toBeGreaterThan(0);
    }
    expect(reference.body.extensions?.ftv1).toBeDefined(); // the reference really ran on graphql-js
    expect(jit.body.extensions?.ftv1).toBeUndefined();
    expect(comparable(jit)).toEqual(comparable(reference));
  });

  it('applies the default of a non-null input field, inline and from variables', async () => {
    const inline = await t.server.ok(
      `mutation { createModel(input: { name: "Mặc định inline", domain: ECONOMY, leadOrganisationId: "${ids.ward}" }) { status } }`,
    );
    const variables = await t.server.ok(`mutation($input: CreateModelInput!) { createModel(input: $input) { status } }`, {
      input: { name: 'Mặc định biến', domain: 'ECONOMY', leadOrganisationId: ids.ward },
    });
    expect(inline.createModel.status).toBe('ACTIVE');
    expect(variables.createModel.status).toBe('ACTIVE');
  });
});
