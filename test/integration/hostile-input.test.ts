import { getIntrospectionQuery } from 'graphql';
import { loadConfig } from '../../src/shared/config';
import { inTransaction } from '../../src/shared/transaction';
import { seeder } from '../helpers/seed';
import { startTestServer, uniqueName, type TestServer } from '../helpers/server';

/**
 * Hostile-input sweep. The contract: bad input gets a GraphQL error with a stable
 * `extensions.code`, nothing of the SQL or the stack leaks when EXPOSE_ERRORS=false, and a
 * refused mutation leaves the database exactly as it was.
 */

/** Every name this file creates starts with TAG, so its rows can be told apart on a shared database. */
const TAG = uniqueName('hostile');
const name = (label: string) => uniqueName(`${TAG} ${label}`);

const MISSING_UUID = '6f1c9a2e-5b7d-4c3e-8f00-0000000000aa';
const INJECTION = "1'; DROP TABLE model; --";
/** The limits the test servers run with (the helper starts them from the same environment). */
const LIMITS = loadConfig();
const SAFE_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'UNAUTHENTICATED',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
];

// ---------------------------------------------------------------------------------------------
// HTTP and database helpers
// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  text: string;
  body: any;
}

/** As the test server's ADMIN unless `headers` says otherwise (`authorization: ''`: anonymous). */
async function post(srv: TestServer, payload: string, headers: Record<string, string> = {}): Promise<Reply> {
  const sent: Record<string, string> = { 'content-type': 'application/json', ...srv.adminHeaders, ...headers };
  if (!sent.authorization) delete sent.authorization;
  const res = await fetch(srv.url, { method: 'POST', headers: sent, body: payload });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, text, body };
}

function run(srv: TestServer, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Reply> {
  return post(srv, JSON.stringify({ query, variables }), headers);
}

function errorsOf(reply: Reply): Array<{ code: unknown; message: string }> {
  return (reply.body?.errors ?? []).map((e: any) => ({ code: e.extensions?.code, message: e.message }));
}

/** Data of a reply that must have succeeded; the errors are shown when it did not. */
function dataOf(reply: Reply): any {
  expect(errorsOf(reply)).toEqual([]);
  return reply.body.data;
}

const TABLES = ['organisation', 'model', 'model_organisation', 'replication_link', 'period_report', 'change_event', 'reporting_period'] as const;
type Table = (typeof TABLES)[number];

/**
 * On the embedded database this file owns the whole database, so every row counts. On a
 * shared PostgreSQL other test files write concurrently, so only this file's rows are compared
 * (names starting with TAG, and everything hanging off them). This file's ids are found once per
 * check, in CTEs of the one statement (one snapshot), and each table is read once for its count
 * and its digest: the shared database grows with the whole run's rows, and reading it again for
 * every table and figure made this file the PostgreSQL pass's slowest.
 */
const MINE = `my_orgs AS MATERIALIZED (SELECT id FROM organisation WHERE starts_with(name, $1)),
  my_models AS MATERIALIZED (SELECT id FROM model WHERE starts_with(name, $1)
    UNION SELECT mo.model_id FROM model_organisation mo JOIN my_orgs o ON o.id = mo.organisation_id),
  my_links AS MATERIALIZED (SELECT rl.id FROM replication_link rl
    WHERE rl.source_model_id IN (SELECT id FROM my_models) OR rl.target_model_id IN (SELECT id FROM my_models)),
  my_reports AS MATERIALIZED (SELECT r.id FROM period_report r WHERE r.organisation_id IN (SELECT id FROM my_orgs))`;
const SCOPE: Record<Table, string> = {
  organisation: `starts_with(t.name, $1)`,
  model: `t.id IN (SELECT id FROM my_models)`,
  model_organisation: `t.organisation_id IN (SELECT id FROM my_orgs) OR t.model_id IN (SELECT id FROM my_models)`,
  replication_link: `t.id IN (SELECT id FROM my_links)`,
  period_report: `t.id IN (SELECT id FROM my_reports)`,
  change_event: `t.entity_id IN (SELECT id FROM my_orgs UNION SELECT id FROM my_models UNION SELECT id FROM my_links UNION SELECT id FROM my_reports)
    OR starts_with(t.payload->>'name', $1)`,
  reporting_period: `starts_with(t.label, $1)`,
};

/** Row count and a digest of every row of each table (or of this file's rows on a shared database). */
async function dbState(srv: TestServer): Promise<Record<string, unknown>> {
  const scoped = !srv.db.embedded;
  const columns = TABLES.map((table) => {
    const where = scoped ? SCOPE[table] : 'true';
    return `(SELECT json_build_array(count(*)::int, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))) FROM ${table} t WHERE ${where}) AS "${table}"`;
  });
  const [row] = await srv.db.dataSource.query(`${scoped ? `WITH ${MINE} ` : ''}SELECT ${columns.join(', ')}`, scoped ? [TAG] : []);
  const state: Record<string, unknown> = {};
  for (const table of TABLES) {
    const [count, digest] = typeof row[table] === 'string' ? JSON.parse(row[table]) : row[table];
    state[table] = count;
    state[`${table} digest`] = digest;
  }
  return state;
}

/**
 * Sends an operation that must be refused with `code`: exactly that error, no data for the
 * field, a message that says something, and the database unchanged.
 */
async function refused(
  srv: TestServer,
  query: string,
  variables: Record<string, unknown> | undefined,
  code: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const before = await dbState(srv);
  const reply = await run(srv, query, variables, headers);
  const after = await dbState(srv);
  expect(errorsOf(reply)).toEqual([expect.objectContaining({ code })]);
  expect(reply.body.errors[0].message.length).toBeGreaterThan(10);
  const returned = Object.entries(reply.body.data ?? {}).filter(([, value]) => value !== null);
  expect(returned).toEqual([]);
  expect(after).toEqual(before);
  return reply;
}

/** What must never appear in an error with EXPOSE_ERRORS=false. */
function leaksIn(text: string): string[] {
  const found: string[] = [];
  if (/\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bFROM \w+ \w+ WHERE\b/i.test(text)) found.push('SQL');
  if (/stack/i.test(text)) found.push('stack');
  if (/node_modules|\/work\/|(?:\/[\w.@-]+){2,}\.[cm]?[jt]s\b|[A-Z]:\\/.test(text)) found.push('file path');
  if (/\bat [\w.<>$]+ \(|\n\s+at /.test(text)) found.push('stack frame');
  if (/invalid input syntax|invalid byte sequence|violates|duplicate key|relation "|column "/i.test(text)) found.push('database message');
  return found;
}

function cursorOf(order: string, value: unknown, id: unknown): string {
  return Buffer.from(JSON.stringify([order, value, id]), 'utf8').toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

const CREATE_ORG = `mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id name version } }`;
const UPDATE_ORG = `mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id name version parent { id } } }`;
const ARCHIVE_ORG = `mutation($id: ID!, $version: Int!) { archiveOrganisation(id: $id, version: $version) { id archivedAt version } }`;
const CREATE_MODEL = `mutation($input: CreateModelInput!) { createModel(input: $input) { id name version organisations { role organisation { id } } } }`;
const UPDATE_MODEL = `mutation($input: UpdateModelInput!) { updateModel(input: $input) { id name version } }`;
const ARCHIVE_MODEL = `mutation($id: ID!, $version: Int!) { archiveModel(id: $id, version: $version) { id status version } }`;
const LINK = `mutation($input: LinkModelsInput!) { linkModels(input: $input) { id replicatedOn } }`;
const UNLINK = `mutation($id: ID!) { unlinkModels(id: $id) { id } }`;
const REPLICATE = `mutation($input: ReplicateModelInput!) { replicateModel(input: $input) { id target { id name } } }`;
const RECORD_REPORT = `mutation($input: RecordPeriodReportInput!) { recordPeriodReport(input: $input) { id total version } }`;
const CREATE_PERIOD = `mutation($input: CreateReportingPeriodInput!) { createReportingPeriod(input: $input) { id code } }`;
const MODELS_OF = `query($org: ID!, $search: String) { models(first: 50, filter: { organisationId: $org, search: $search }) { totalCount edges { node { name } } } }`;

/** `id children(first: 1) { edges { node { ... } } }` nested `levels` times around `leaf`. */
function childrenChain(levels: number, leaf: string): string {
  let selection = leaf;
  for (let i = 0; i < levels; i += 1) selection = `id children(first: 1) { edges { node { ${selection} } } }`;
  return selection;
}

/** `query($id) { organisation(id: $id) { ... } }` whose deepest field path is exactly `depth` fields long. */
function queryOfDepth(depth: number): string {
  const levels = Math.floor((depth - 2) / 3);
  const parents = depth - 2 - 3 * levels;
  const leaf = `${'parent { '.repeat(parents)}id${' }'.repeat(parents)}`;
  return `query($id: ID!) { organisation(id: $id) { ${childrenChain(levels, leaf)} } }`;
}

// ---------------------------------------------------------------------------------------------

let s: TestServer;
let seed: ReturnType<typeof seeder>;
/** root → child → grandchild → greatGrandchild, all OTHER, all named with TAG. */
const tree = {} as Record<'root' | 'child' | 'grandchild' | 'greatGrandchild', { id: string; name: string; version: number }>;

beforeAll(async () => {
  s = await startTestServer();
  seed = seeder(s);
  tree.root = await seed.organisation({ name: name('root') });
  tree.child = await seed.organisation({ name: name('child'), parentId: tree.root.id });
  tree.grandchild = await seed.organisation({ name: name('grandchild'), parentId: tree.child.id });
  tree.greatGrandchild = await seed.organisation({ name: name('great-grandchild'), parentId: tree.grandchild.id });
});
afterAll(() => s?.stop());

/** A fresh organisation of this file, with a model or two when asked. */
async function freshOrg(label: string) {
  return seed.organisation({ name: name(label) });
}
async function freshModel(leadOrganisationId: string, label = 'model') {
  return seed.model({ leadOrganisationId, name: name(label) });
}

// ---------------------------------------------------------------------------------------------

it('the database check notices an accepted mutation (so "unchanged" means something)', async () => {
  const before: any = await dbState(s);
  const model = await freshModel(tree.root.id, 'noticed');
  const after: any = await dbState(s);
  expect(after.model).toBe(before.model + 1);
  expect(after.model_organisation).toBe(before.model_organisation + 1);
  expect(after.change_event).toBe(before.change_event + 1);
  dataOf(await run(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, description: 'changed' } }));
  const updated: any = await dbState(s);
  expect(updated.model).toBe(after.model);
  expect(updated['model digest']).not.toBe(after['model digest']);
});

describe('query depth and cost', () => {
  it(`answers a children chain exactly MAX_QUERY_DEPTH (${LIMITS.maxQueryDepth}) deep`, async () => {
    const reply = await run(s, queryOfDepth(LIMITS.maxQueryDepth), { id: tree.root.id });
    const data = dataOf(reply);
    expect(data.organisation.id).toBe(tree.root.id);
    expect(JSON.stringify(data)).toContain(tree.greatGrandchild.id);
  });

  it(`refuses the same chain one level deeper (${LIMITS.maxQueryDepth + 1}) with QUERY_TOO_COMPLEX`, async () => {
    const reply = await refused(s, queryOfDepth(LIMITS.maxQueryDepth + 1), { id: tree.root.id }, 'QUERY_TOO_COMPLEX');
    expect(reply.body.errors[0].extensions).toMatchObject({ depth: LIMITS.maxQueryDepth + 1, maxDepth: LIMITS.maxQueryDepth });
  });

  it('refuses a deep chain hidden in named fragments', async () => {
    const count = Math.ceil(LIMITS.maxQueryDepth / 3) + 1;
    const fragments = Array.from(
      { length: count },
      (_, i) => `fragment F${i} on Organisation { id children(first: 1) { edges { node { ...F${i + 1} } } } }`,
    ).join('\n');
    await refused(
      s,
      `query($id: ID!) { organisation(id: $id) { ...F0 } }\n${fragments}\nfragment F${count} on Organisation { id }`,
      { id: tree.root.id },
      'QUERY_TOO_COMPLEX',
    );
  });

  it('refuses a deep chain hidden in inline fragments', async () => {
    let selection = 'id';
    for (let i = 0; i < Math.ceil(LIMITS.maxQueryDepth / 3) + 1; i += 1)
      selection = `... on Organisation { id children(first: 1) { edges { node { ${selection} } } } }`;
    await refused(s, `query($id: ID!) { organisation(id: $id) { ${selection} } }`, { id: tree.root.id }, 'QUERY_TOO_COMPLEX');
  });

  it('refuses models → replicas → replicas at 100 × 100 × 100 with QUERY_TOO_COMPLEX, telling the cost', async () => {
    const query = `{ models(first: 100) { edges { node { replicas(first: 100) { edges { node { replicas(first: 100) { edges { node { id name } } } } } } } } } }`;
    const reply = await refused(s, query, undefined, 'QUERY_TOO_COMPLEX');
    expect(reply.body.errors[0].extensions.complexity).toBeGreaterThan(reply.body.errors[0].extensions.maxComplexity);
  });

  it('answers the same nesting with small pages', async () => {
    const data = dataOf(
      await run(s, `{ models(first: 5) { edges { node { replicas(first: 5) { edges { node { replicas(first: 5) { edges { node { id } } } } } } } } } }`),
    );
    expect(data.models.edges.length).toBeGreaterThan(0);
  });

  it('refuses 1000 aliases of models(first: 100) with QUERY_TOO_COMPLEX, while one is answered', async () => {
    // Each alias costs about 300; 1000 of them exceed MAX_QUERY_COMPLEXITY and stay under the 20000-token cap.
    expect(1000 * 300).toBeGreaterThan(LIMITS.maxQueryComplexity);
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: models(first: 100) { edges { node { id } } }`).join('\n');
    await refused(s, `{ ${aliases} }`, undefined, 'QUERY_TOO_COMPLEX');
    dataOf(await run(s, `{ a0: models(first: 100) { edges { node { id } } } }`));
  });

  it('counts page sizes passed as variables', async () => {
    const query = `query($n: Int) { models(first: $n) { edges { node { replicas(first: $n) { edges { node { replicas(first: $n) { edges { node { id } } } } } } } } } }`;
    await refused(s, query, { n: 100 }, 'QUERY_TOO_COMPLEX');
  });

  it('refuses a document of more than 20000 tokens with GRAPHQL_PARSE_FAILED', async () => {
    await refused(s, `{ ${'__typename '.repeat(20_001)} }`, undefined, 'GRAPHQL_PARSE_FAILED');
  });

  it('refuses broken syntax with GRAPHQL_PARSE_FAILED', async () => {
    await refused(s, `{ models(first: 1 { edges }`, undefined, 'GRAPHQL_PARSE_FAILED');
  });

  it('refuses a fragment cycle with GRAPHQL_VALIDATION_FAILED (no stack overflow)', async () => {
    const reply = await run(
      s,
      `query($id: ID!) { organisation(id: $id) { ...A } } fragment A on Organisation { parent { ...B } } fragment B on Organisation { parent { ...A } }`,
      { id: tree.root.id },
    );
    expect(errorsOf(reply).length).toBeGreaterThan(0);
    expect(errorsOf(reply).every((e) => e.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
  });

  it('refuses a deeply nested introspection query, but answers the standard one', async () => {
    let selection = 'name';
    for (let i = 0; i < 6; i += 1) selection = `name fields { type { ${selection} } }`;
    await refused(s, `{ __schema { types { ${selection} } } }`, undefined, 'GRAPHQL_VALIDATION_FAILED');
    const data = dataOf(await run(s, getIntrospectionQuery()));
    expect(data.__schema.types.length).toBeGreaterThan(10);
  });

  it('refuses batched operations without running any of them', async () => {
    const op = { query: CREATE_ORG, variables: { input: { name: name('batched'), kind: 'OTHER' } } };
    const before = await dbState(s);
    const reply = await post(s, JSON.stringify([op, op, op]));
    expect(reply.status).toBe(400);
    expect(errorsOf(reply)).toEqual([expect.objectContaining({ code: 'BAD_REQUEST' })]);
    expect(await dbState(s)).toEqual(before);
  });

  it('refuses an operationName that names no operation with a 400, for anonymous and named documents alike', async () => {
    for (const query of ['{ organisations(first: 1) { totalCount } }', 'query Real { organisations(first: 1) { totalCount } }']) {
      const reply = await post(s, JSON.stringify({ query, operationName: 'Overview' }));
      expect(reply.status).toBe(400);
      expect(errorsOf(reply)[0].message).toMatch(/Overview/);
    }
  });

  it('answers refusals with a 4xx status (or 200 with errors), never 5xx', async () => {
    const cases: Array<[string, string, Record<string, unknown>?]> = [
      ['too deep', queryOfDepth(LIMITS.maxQueryDepth + 1), { id: tree.root.id }],
      [
        'too costly',
        `{ models(first: 100) { edges { node { replicas(first: 100) { edges { node { replicas(first: 100) { edges { node { id } } } } } } } } } }`,
      ],
      ['unknown enum value in a variable', CREATE_ORG, { input: { name: name('enum'), kind: 'BOGUS' } }],
      ['Int beyond 32 bits in a variable', `query($n: Int) { models(first: $n) { edges { node { id } } } }`, { n: 2 ** 31 }],
      [
        'impossible date in a variable',
        CREATE_MODEL,
        { input: { name: name('date'), domain: 'ECONOMY', leadOrganisationId: tree.root.id, startedOn: '2023-02-30' } },
      ],
    ];
    const statuses: Record<string, number> = {};
    for (const [label, query, variables] of cases) statuses[label] = (await run(s, query, variables)).status;
    expect(Object.entries(statuses).filter(([, status]) => status >= 500)).toEqual([]);
  });
});

describe('page sizes', () => {
  it.each([
    ['models(first: 100000)', `{ models(first: 100000) { edges { node { id } } } }`],
    ['organisations(last: 100000)', `{ organisations(last: 100000) { edges { node { id } } } }`],
    ['models(first: 100000) { totalCount }', `{ models(first: 100000) { totalCount } }`],
  ])('refuses a huge page, %s, with BAD_USER_INPUT', async (_label, query) => {
    await refused(s, query, undefined, 'BAD_USER_INPUT');
  });

  it('refuses a huge page of a nested list with BAD_USER_INPUT', async () => {
    await refused(s, `query($id: ID!) { organisation(id: $id) { children(first: 100000) { edges { node { id } } } } }`, { id: tree.root.id }, 'BAD_USER_INPUT');
  });

  it.each([
    [`first: ${LIMITS.maxPageSize + 1}`, `{ models(first: ${LIMITS.maxPageSize + 1}) { edges { node { id } } } }`],
    [`last: ${LIMITS.maxPageSize + 1}`, `{ models(last: ${LIMITS.maxPageSize + 1}) { edges { node { id } } } }`],
    ['first: -1', `{ models(first: -1) { edges { node { id } } } }`],
    ['last: -5', `{ organisations(last: -5) { edges { node { id } } } }`],
    ['first and last together', `{ models(first: 2, last: 2) { edges { node { id } } } }`],
  ])('refuses %s with BAD_USER_INPUT, naming the argument', async (_label, query) => {
    const reply = await refused(s, query, undefined, 'BAD_USER_INPUT');
    expect(['first', 'last']).toContain(reply.body.errors[0].extensions.argument);
  });

  it(`answers first: ${LIMITS.maxPageSize} (the cap) and first: 0`, async () => {
    expect(dataOf(await run(s, `{ models(first: ${LIMITS.maxPageSize}) { edges { node { id } } } }`)).models.edges.length).toBeGreaterThan(0);
    expect(dataOf(await run(s, `{ models(first: 0) { edges { node { id } } pageInfo { hasNextPage } } }`)).models).toEqual({
      edges: [],
      pageInfo: { hasNextPage: true },
    });
  });

  it('refuses an Int beyond 32 bits: as a literal GRAPHQL_VALIDATION_FAILED, as a variable BAD_USER_INPUT', async () => {
    await refused(s, `{ models(first: 2147483648) { edges { node { id } } } }`, undefined, 'GRAPHQL_VALIDATION_FAILED');
    await refused(s, `query($n: Int) { models(first: $n) { edges { node { id } } } }`, { n: 2147483648 }, 'BAD_USER_INPUT');
  });

  it('refuses a string where an Int is expected, passed as a variable, with BAD_USER_INPUT', async () => {
    await refused(s, `query($n: Int) { models(first: $n) { edges { node { id } } } }`, { n: 'ten' }, 'BAD_USER_INPUT');
  });
});

describe('ids', () => {
  it.each([['abc'], [INJECTION], [''], ["' OR '1'='1"], [MISSING_UUID]])(
    'organisation, model and replicationLink with id %j are null, without an error',
    async (id) => {
      const data = dataOf(await run(s, `query($id: ID!) { organisation(id: $id) { id } model(id: $id) { id } replicationLink(id: $id) { id } }`, { id }));
      expect(data).toEqual({ organisation: null, model: null, replicationLink: null });
      expect((await s.db.dataSource.query(`SELECT count(*)::int AS n FROM model`))[0].n).toBeGreaterThan(0);
    },
  );

  it('finds an organisation by its id written in upper case (UUIDs are case-insensitive, and isUuid accepts it)', async () => {
    const data = dataOf(await run(s, `query($id: ID!) { organisation(id: $id) { id name } }`, { id: tree.child.id.toUpperCase() }));
    expect(data.organisation).toEqual({ id: tree.child.id, name: tree.child.name });
  });

  it('_entities: a malformed id resolves to null without spoiling the other representations', async () => {
    const reply = await run(s, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id name } } }`, {
      r: [
        { __typename: 'Organisation', id: INJECTION },
        { __typename: 'Organisation', id: tree.child.id },
      ],
    });
    expect(reply.body.data._entities[1]).toEqual({ id: tree.child.id, name: tree.child.name });
    expect(reply.body.data._entities[0]).toBeNull();
  });

  describe('_entities: a bad representation is BAD_USER_INPUT at its index, and the rest of the batch resolves', () => {
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Organisation { id name } ... on Model { id name } } }`;
    /** Index → what is wrong, for the bad representations of the batch below. */
    const BAD: Record<number, RegExp> = {
      2: /^Representation 2 of Model has no string id/,
      3: /^Representation 3 of Model has no string id/,
      4: /^Representation 4 of Model has no string id/,
      5: /^Representation 5 names "Bogus", which is not an entity/,
      6: /^Representation 6 names "Query", which is not an entity/,
      7: /^Representation 7 names "PeriodReport", which is not an entity/,
      8: /^Representation 8 is a string, not an object/,
      9: /^Representation 9 has no __typename/,
      13: /^Representation 13 of Organisation has no string id/,
      14: /^Representation 14 is a list, not an object/,
    };

    it.each([
      ['graphql-jit', {}],
      ['graphql-js (a gateway asking for a federated trace)', { 'apollo-federation-include-trace': 'ftv1' }],
    ])('on %s', async (_label, headers: Record<string, string>) => {
      const model = await freshModel(tree.root.id, 'entity');
      const r = [
        { __typename: 'Organisation', id: tree.child.id },
        { __typename: 'Model', id: model.id },
        { __typename: 'Model', id: 42 },
        { __typename: 'Model', id: { id: model.id } },
        { __typename: 'Model' },
        { __typename: 'Bogus', id: model.id },
        { __typename: 'Query', id: model.id },
        { __typename: 'PeriodReport', id: model.id },
        'Model',
        { id: model.id },
        // Well-formed requests for nothing: null without an error, as model(id:) answers them.
        { __typename: 'Model', id: 'not-a-uuid' },
        { __typename: 'Model', id: MISSING_UUID },
        { __typename: 'Model', id: model.id.toUpperCase() },
        { __typename: 'Organisation', id: [tree.child.id] },
        [tree.child.id],
      ];
      const before = await dbState(s);
      const reply = await run(s, ENTITIES, { r }, headers);
      expect(await dbState(s)).toEqual(before);
      expect(reply.status).toBe(200);
      const errors = [...reply.body.errors].sort((a: any, b: any) => a.path[1] - b.path[1]);
      expect(errors.map((e: any) => [e.path, e.extensions.code])).toEqual(Object.keys(BAD).map((i) => [['_entities', Number(i)], 'BAD_USER_INPUT']));
      for (const e of errors) expect(e.message).toMatch(BAD[e.path[1]]);
      const organisation = { __typename: 'Organisation', id: tree.child.id, name: tree.child.name };
      const found = { __typename: 'Model', id: model.id, name: model.name };
      expect(reply.body.data._entities).toEqual([organisation, found, ...Array(10).fill(null), found, null, null]);
      // One statement per type, bad representations or not.
      expect(reply.body.extensions.sqlStatements).toBe(2);
      // The server answers the next request.
      expect(dataOf(await run(s, ENTITIES, { r: [{ __typename: 'Model', id: model.id }] }))._entities).toEqual([found]);
    });
  });

  it.each([
    ['updateOrganisation', UPDATE_ORG, { input: { id: 'abc', version: 1, name: 'x' } }],
    ['updateOrganisation (injection)', UPDATE_ORG, { input: { id: INJECTION, version: 1, name: 'x' } }],
    ['updateModel (injection)', UPDATE_MODEL, { input: { id: INJECTION, version: 1, name: 'x' } }],
    ['createOrganisation parentId', CREATE_ORG, { input: { name: 'x', kind: 'OTHER', parentId: INJECTION } }],
    ['createModel leadOrganisationId', CREATE_MODEL, { input: { name: 'x', domain: 'ECONOMY', leadOrganisationId: INJECTION } }],
    [
      'createModel partnerOrganisationIds',
      CREATE_MODEL,
      { input: { name: 'x', domain: 'ECONOMY', leadOrganisationId: MISSING_UUID, partnerOrganisationIds: ['abc'] } },
    ],
    ['linkModels', LINK, { input: { sourceModelId: 'abc', targetModelId: MISSING_UUID } }],
    ['replicateModel', REPLICATE, { input: { sourceModelId: MISSING_UUID, targetOrganisationId: INJECTION } }],
    ['recordPeriodReport', RECORD_REPORT, { input: { organisationId: INJECTION, period: '2023-H1', total: 1 } }],
    // Bare id arguments answer as input fields do: one code for a malformed id everywhere.
    ['archiveOrganisation', ARCHIVE_ORG, { id: 'abc', version: 1 }],
    ['archiveModel', ARCHIVE_MODEL, { id: INJECTION, version: 1 }],
    ['unlinkModels', UNLINK, { id: INJECTION }],
  ])('%s refuses a malformed id with BAD_USER_INPUT', async (_label, query, variables) => {
    await refused(s, query, variables, 'BAD_USER_INPUT');
  });

  it.each([
    ['models(filter: { organisationId })', `{ models(filter: { organisationId: "abc" }) { edges { node { id } } } }`],
    ['organisations(filter: { withinId })', `{ organisations(filter: { withinId: "${INJECTION.replace(/"/g, '\\"')}" }) { edges { node { id } } } }`],
    ['organisations(filter: { parentId })', `{ organisations(filter: { parentId: "abc" }) { edges { node { id } } } }`],
    ['replicationLinks(filter: { sourceModelId })', `{ replicationLinks(filter: { sourceModelId: "abc" }) { edges { node { id } } } }`],
    ['models(filter: { period })', `{ models(filter: { period: "2023-H1' OR '1'='1" }) { edges { node { id } } } }`],
  ])('%s refuses a malformed value with BAD_USER_INPUT', async (_label, query) => {
    await refused(s, query, undefined, 'BAD_USER_INPUT');
  });

  it('reportingPeriod(code:) with an injection string is null', async () => {
    expect(dataOf(await run(s, `query($c: String!) { reportingPeriod(code: $c) { id } }`, { c: "2023-H1' OR '1'='1" }))).toEqual({ reportingPeriod: null });
  });

  describe('valid-looking ids that do not exist are NOT_FOUND', () => {
    const cases: Array<[string, string, () => Record<string, unknown>]> = [
      ['updateOrganisation', UPDATE_ORG, () => ({ input: { id: MISSING_UUID, version: 1, name: name('x') } })],
      [
        'updateOrganisation parentId',
        UPDATE_ORG,
        () => ({ input: { id: tree.greatGrandchild.id, version: tree.greatGrandchild.version, parentId: MISSING_UUID } }),
      ],
      ['archiveOrganisation', ARCHIVE_ORG, () => ({ id: MISSING_UUID, version: 1 })],
      ['createOrganisation parentId', CREATE_ORG, () => ({ input: { name: name('orphan'), kind: 'OTHER', parentId: MISSING_UUID } })],
      ['createModel leadOrganisationId', CREATE_MODEL, () => ({ input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: MISSING_UUID } })],
      [
        'createModel partnerOrganisationIds',
        CREATE_MODEL,
        () => ({ input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: tree.root.id, partnerOrganisationIds: [MISSING_UUID] } }),
      ],
      [
        'createModel localityId',
        CREATE_MODEL,
        () => ({ input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: tree.root.id, localityId: MISSING_UUID } }),
      ],
      [
        'createModel recognisedPeriod',
        CREATE_MODEL,
        () => ({ input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: tree.root.id, recognisedPeriod: '2099-H9' } }),
      ],
      ['updateModel', UPDATE_MODEL, () => ({ input: { id: MISSING_UUID, version: 1, name: name('x') } })],
      ['archiveModel', ARCHIVE_MODEL, () => ({ id: MISSING_UUID, version: 1 })],
      ['unlinkModels', UNLINK, () => ({ id: MISSING_UUID })],
      ['linkModels sourceModelId', LINK, () => ({ input: { sourceModelId: MISSING_UUID, targetModelId: MISSING_UUID.replace('aa', 'bb') } })],
      ['replicateModel sourceModelId', REPLICATE, () => ({ input: { sourceModelId: MISSING_UUID, targetOrganisationId: tree.root.id } })],
      ['recordPeriodReport organisationId', RECORD_REPORT, () => ({ input: { organisationId: MISSING_UUID, period: '2023-H1', total: 1 } })],
      ['recordPeriodReport period', RECORD_REPORT, () => ({ input: { organisationId: tree.root.id, period: '2099-H9', total: 1 } })],
    ];
    it.each(cases)('%s', async (_label, query, variables) => {
      await refused(s, query, variables(), 'NOT_FOUND');
    });

    it('updateModel with a missing locality or period', async () => {
      const model = await freshModel(tree.root.id);
      await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, localityId: MISSING_UUID } }, 'NOT_FOUND');
      await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, recognisedPeriod: '2099-H9' } }, 'NOT_FOUND');
    });

    it('linkModels and replicateModel with a missing target', async () => {
      const model = await freshModel(tree.root.id);
      await refused(s, LINK, { input: { sourceModelId: model.id, targetModelId: MISSING_UUID } }, 'NOT_FOUND');
      await refused(s, REPLICATE, { input: { sourceModelId: model.id, targetOrganisationId: MISSING_UUID } }, 'NOT_FOUND');
    });
  });

  it('refuses the lead organisation repeated as a partner in upper case with BAD_USER_INPUT, like the lower-case one', async () => {
    const org = await freshOrg('lead');
    await refused(
      s,
      CREATE_MODEL,
      { input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: org.id, partnerOrganisationIds: [org.id] } },
      'BAD_USER_INPUT',
    );
    await refused(
      s,
      CREATE_MODEL,
      { input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: org.id, partnerOrganisationIds: [org.id.toUpperCase()] } },
      'BAD_USER_INPUT',
    );
  });

  it('treats one partner given twice in different case as one partner (or refuses it with BAD_USER_INPUT), never a CONFLICT naming a constraint', async () => {
    const lead = await freshOrg('lead');
    const partner = await freshOrg('partner');
    const before = await dbState(s);
    const reply = await run(s, CREATE_MODEL, {
      input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: lead.id, partnerOrganisationIds: [partner.id, partner.id.toUpperCase()] },
    });
    if (reply.body.errors) {
      expect(errorsOf(reply)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT' })]);
      expect(await dbState(s)).toEqual(before);
    } else {
      expect(reply.body.data.createModel.organisations.map((o: any) => o.organisation.id).sort()).toEqual([lead.id, partner.id].sort());
    }
  });
});

describe('injection strings and LIKE wildcards are taken literally', () => {
  let org: { id: string };
  const literalNames = {
    bobby: `${TAG} Robert'); DROP TABLE model;--`,
    percent: `${TAG} 100% sạch`,
    thousand: `${TAG} 1000 sạch`,
    underscore: `${TAG} a_b`,
    ax: `${TAG} axb`,
    backslash: `${TAG} back\\slash`,
  };

  beforeAll(async () => {
    org = await freshOrg('wildcards');
    for (const n of Object.values(literalNames)) await seed.model({ leadOrganisationId: org.id, name: n });
  });

  it('stores a model named with SQL in it as it is, finds it by that name, and the model table is still there', async () => {
    const data = dataOf(await run(s, MODELS_OF, { org: org.id, search: literalNames.bobby }));
    expect(data.models.edges.map((e: any) => e.node.name)).toEqual([literalNames.bobby]);
    const [{ n }] = await s.db.dataSource.query(`SELECT count(*)::int AS n FROM model WHERE name = $1`, [literalNames.bobby]);
    expect(n).toBe(1);
  });

  it('stores quotes, backslashes and placeholders in an organisation name as they are', async () => {
    const odd = `${TAG} O'Brien "Đoàn" \\ $1 %s \${x} ?`;
    const created = dataOf(await run(s, CREATE_ORG, { input: { name: odd, kind: 'OTHER', parentId: tree.root.id } })).createOrganisation;
    expect(created.name).toBe(odd);
    const found = dataOf(await run(s, `query($id: ID!) { organisation(id: $id) { name } }`, { id: created.id }));
    expect(found.organisation.name).toBe(odd);
  });

  it.each([
    ['100%', ['percent']],
    ['%', ['percent']],
    ['a_b', ['underscore']],
    ['_', ['underscore']],
    ['\\', ['backslash']],
    ["' OR 1=1 --", []],
    ["%' OR '1'='1", []],
    ['%%%%', []],
  ])('search %j matches literally', async (search, expected) => {
    const data = dataOf(await run(s, MODELS_OF, { org: org.id, search }));
    const want = (expected as Array<keyof typeof literalNames>).map((k) => literalNames[k]).sort();
    expect(data.models.edges.map((e: any) => e.node.name).sort()).toEqual(want);
    expect(data.models.totalCount).toBe(want.length);
  });

  it('without a search the organisation has all six models (so the empty results above mean something)', async () => {
    expect(dataOf(await run(s, MODELS_OF, { org: org.id })).models.totalCount).toBe(6);
  });

  it('organisations(filter: { search }) with an injection string answers without error', async () => {
    const data = dataOf(await run(s, `query($q: String) { organisations(filter: { search: $q }) { totalCount } }`, { q: INJECTION }));
    expect(data.organisations.totalCount).toBe(0);
  });

  it('refuses a search over 200 characters with BAD_USER_INPUT', async () => {
    await refused(s, `query($q: String) { models(filter: { search: $q }) { totalCount } }`, { q: 'x'.repeat(201) }, 'BAD_USER_INPUT');
  });

  it('refuses a NUL character in a name with BAD_USER_INPUT (not INTERNAL_SERVER_ERROR)', async () => {
    await refused(s, CREATE_ORG, { input: { name: `${TAG} a\u0000b`, kind: 'OTHER' } }, 'BAD_USER_INPUT');
  });

  it('refuses a NUL character in a search with BAD_USER_INPUT (not INTERNAL_SERVER_ERROR)', async () => {
    await refused(s, `query($q: String) { models(filter: { search: $q }) { totalCount } }`, { q: 'a\u0000b' }, 'BAD_USER_INPUT');
  });
});

describe('names, enums, dates and figures', () => {
  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['tabs and newlines', '\t\n\r'],
    ['no-break spaces', '\u00a0\u3000'],
    ['301 characters', 'x'.repeat(301)],
  ])('refuses a %s name with BAD_USER_INPUT on createOrganisation and createModel', async (_label, bad) => {
    await refused(s, CREATE_ORG, { input: { name: bad, kind: 'OTHER', parentId: tree.root.id } }, 'BAD_USER_INPUT');
    await refused(s, CREATE_MODEL, { input: { name: bad, domain: 'ECONOMY', leadOrganisationId: tree.root.id } }, 'BAD_USER_INPUT');
  });

  it('accepts a name of exactly 300 characters', async () => {
    const long = `${TAG} `.padEnd(300, 'y');
    const created = dataOf(await run(s, CREATE_ORG, { input: { name: long, kind: 'OTHER', parentId: tree.root.id } })).createOrganisation;
    expect(created.name).toBe(long);
  });

  it('refuses blank, null and over-long names on the updates and replicateModel', async () => {
    const org = await freshOrg('names');
    const model = await freshModel(org.id);
    const target = await freshOrg('target');
    await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, name: '   ' } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, name: null } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, domain: null } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, description: 'd'.repeat(5001) } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_ORG, { input: { id: org.id, version: org.version, name: 'z'.repeat(301) } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_ORG, { input: { id: org.id, version: org.version, name: null } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_ORG, { input: { id: org.id, version: org.version, kind: null } }, 'BAD_USER_INPUT');
    await refused(s, UPDATE_ORG, { input: { id: org.id, version: org.version, shortName: 's'.repeat(101) } }, 'BAD_USER_INPUT');
    await refused(s, CREATE_ORG, { input: { name: name('short'), kind: 'OTHER', shortName: 's'.repeat(101) } }, 'BAD_USER_INPUT');
    await refused(s, REPLICATE, { input: { sourceModelId: model.id, targetOrganisationId: target.id, name: ' \t ' } }, 'BAD_USER_INPUT');
    await refused(s, LINK, { input: { sourceModelId: model.id, targetModelId: MISSING_UUID, note: 'n'.repeat(2001) } }, 'BAD_USER_INPUT');
  });

  it('refuses unknown enum values given as literals with GRAPHQL_VALIDATION_FAILED', async () => {
    await refused(s, `mutation { createOrganisation(input: { name: "x", kind: BOGUS }) { id } }`, undefined, 'GRAPHQL_VALIDATION_FAILED');
    await refused(s, `mutation { createOrganisation(input: { name: "x", kind: "CITY" }) { id } }`, undefined, 'GRAPHQL_VALIDATION_FAILED');
    await refused(s, `{ models(filter: { domain: [ECONOMY, BOGUS] }) { totalCount } }`, undefined, 'GRAPHQL_VALIDATION_FAILED');
    await refused(s, `{ models(orderBy: { field: "NAME; DROP TABLE model" }) { totalCount } }`, undefined, 'GRAPHQL_VALIDATION_FAILED');
  });

  it.each([
    ['kind BOGUS', CREATE_ORG, { input: { name: 'x', kind: 'BOGUS' } }],
    ['kind in lower case', CREATE_ORG, { input: { name: 'x', kind: 'city' } }],
    ['domain with SQL', CREATE_MODEL, { input: { name: 'x', domain: "ECONOMY'; --", leadOrganisationId: MISSING_UUID } }],
    ['filter domain list', `query($d: [Domain!]) { models(filter: { domain: $d }) { totalCount } }`, { d: ['ECONOMY', 'BOGUS'] }],
    ['orderBy field', `query($o: ModelOrder) { models(orderBy: $o) { totalCount } }`, { o: { field: 'name' } }],
  ])('refuses an unknown enum value in a variable (%s) with BAD_USER_INPUT', async (_label, query, variables) => {
    await refused(s, query, variables, 'BAD_USER_INPUT');
  });

  it('refuses impossible dates: literal GRAPHQL_VALIDATION_FAILED, variable BAD_USER_INPUT, out of range BAD_USER_INPUT', async () => {
    await refused(
      s,
      `mutation { createModel(input: { name: "x", domain: ECONOMY, leadOrganisationId: "${tree.root.id}", startedOn: "2023-02-30" }) { id } }`,
      undefined,
      'GRAPHQL_VALIDATION_FAILED',
    );
    await refused(
      s,
      CREATE_MODEL,
      { input: { name: name('date'), domain: 'ECONOMY', leadOrganisationId: tree.root.id, startedOn: '2023-02-30' } },
      'BAD_USER_INPUT',
    );
    await refused(
      s,
      CREATE_MODEL,
      { input: { name: name('date'), domain: 'ECONOMY', leadOrganisationId: tree.root.id, startedOn: '1800-01-01' } },
      'BAD_USER_INPUT',
    );
  });

  it('refuses a replication date the model dates would refuse (year 1) with BAD_USER_INPUT, on linkModels as on replicateModel', async () => {
    const a = await freshModel(tree.root.id, 'old-a');
    const b = await freshModel(tree.root.id, 'old-b');
    const target = await freshOrg('old-target');
    await refused(s, REPLICATE, { input: { sourceModelId: a.id, targetOrganisationId: target.id, replicatedOn: '0001-01-01' } }, 'BAD_USER_INPUT');
    await refused(s, LINK, { input: { sourceModelId: a.id, targetModelId: b.id, replicatedOn: '0001-01-01' } }, 'BAD_USER_INPUT');
  });

  describe('reported figures', () => {
    const report = (organisationId: string, figures: Record<string, unknown>) => ({ input: { organisationId, period: '2023-H1', ...figures } });

    it.each([
      ['a negative total', { total: -1 }],
      ['a negative domain figure', { total: 4, economy: -5 }],
      ['a negative newlyReplicated', { total: 4, newlyReplicated: -1 }],
      ['an implausibly large total', { total: 10_000_001 }],
      ['four domain figures not adding up to total', { total: 5, economy: 1, cultureSociety: 1, securityDefence: 1, politicalSystem: 1 }],
      ['a period code with SQL in it', { total: 1, period: "2023-H1'--" }],
    ])('refuses %s with BAD_USER_INPUT', async (_label, figures) => {
      const org = await freshOrg('report');
      await refused(s, RECORD_REPORT, report(org.id, figures), 'BAD_USER_INPUT');
    });

    it('refuses domain figures that alone exceed the total (the others left empty) with BAD_USER_INPUT', async () => {
      const org = await freshOrg('report');
      await refused(s, RECORD_REPORT, report(org.id, { total: 5, economy: 10 }), 'BAD_USER_INPUT');
      await refused(s, RECORD_REPORT, report(org.id, { total: 5, economy: 3, cultureSociety: 4 }), 'BAD_USER_INPUT');
    });

    it('refuses a fractional total given as a literal with GRAPHQL_VALIDATION_FAILED', async () => {
      await refused(
        s,
        `mutation { recordPeriodReport(input: { organisationId: "${tree.root.id}", period: "2023-H1", total: 1.5 }) { id } }`,
        undefined,
        'GRAPHQL_VALIDATION_FAILED',
      );
    });

    it('refuses a second report without the version, and with a stale one, with CONFLICT, leaving the first as it was', async () => {
      const org = await freshOrg('report');
      const first = dataOf(
        await run(s, RECORD_REPORT, report(org.id, { total: 4, economy: 1, cultureSociety: 1, securityDefence: 1, politicalSystem: 1 })),
      ).recordPeriodReport;
      expect(first.version).toBe(1);
      await refused(s, RECORD_REPORT, report(org.id, { total: 9 }), 'CONFLICT');
      const stale = await refused(s, RECORD_REPORT, report(org.id, { total: 9, version: 7 }), 'CONFLICT');
      expect(stale.body.errors[0].extensions).toMatchObject({ expectedVersion: 7, currentVersion: 1 });
      const [row] = await s.db.dataSource.query(`SELECT total, version FROM period_report WHERE id = $1`, [first.id]);
      expect(row).toEqual({ total: 4, version: 1 });
    });
  });

  it('createReportingPeriod refuses a duplicate code (CONFLICT), reversed dates and a code with SQL (BAD_USER_INPUT)', async () => {
    await refused(s, CREATE_PERIOD, { input: { code: '2023-H1', label: `${TAG} dup`, startsOn: '2023-01-01', endsOn: '2023-06-30' } }, 'CONFLICT');
    await refused(s, CREATE_PERIOD, { input: { code: 'X9-H1', label: `${TAG} reversed`, startsOn: '2030-06-30', endsOn: '2030-01-01' } }, 'BAD_USER_INPUT');
    await refused(
      s,
      CREATE_PERIOD,
      { input: { code: "X'; DROP TABLE model;--", label: `${TAG} sql`, startsOn: '2030-01-01', endsOn: '2030-06-30' } },
      'BAD_USER_INPUT',
    );
  });
});

describe('text lengths count what the database counts (code points), and text it cannot store is refused', () => {
  /** U+FE0F (emoji presentation) is one code point that class-validator's Length did not count. */
  const over = (max: number) => 'a\uFE0F'.repeat(max / 2 + 1);
  const SEARCH_MODELS = `query($q: String) { models(filter: { search: $q }) { totalCount } }`;
  const SEARCH_ORGS = `query($q: String) { organisations(filter: { search: $q }) { totalCount } }`;

  /** Each field of each mutation, with a value of `text`. */
  async function writes(text: string): Promise<Array<[string, string, Record<string, unknown>]>> {
    const org = await freshOrg('lengths');
    const model = await freshModel(org.id, 'lengths');
    const target = await freshOrg('lengths target');
    return [
      ['createOrganisation name', CREATE_ORG, { input: { name: text, kind: 'OTHER' } }],
      ['createOrganisation shortName', CREATE_ORG, { input: { name: name('short'), kind: 'OTHER', shortName: text } }],
      ['updateOrganisation name', UPDATE_ORG, { input: { id: org.id, version: org.version, name: text } }],
      ['updateOrganisation shortName', UPDATE_ORG, { input: { id: org.id, version: org.version, shortName: text } }],
      ['createModel name', CREATE_MODEL, { input: { name: text, domain: 'ECONOMY', leadOrganisationId: org.id } }],
      ['createModel description', CREATE_MODEL, { input: { name: name('described'), description: text, domain: 'ECONOMY', leadOrganisationId: org.id } }],
      ['updateModel name', UPDATE_MODEL, { input: { id: model.id, version: model.version, name: text } }],
      ['updateModel description', UPDATE_MODEL, { input: { id: model.id, version: model.version, description: text } }],
      ['replicateModel name', REPLICATE, { input: { sourceModelId: model.id, targetOrganisationId: target.id, name: text } }],
      ['replicateModel note', REPLICATE, { input: { sourceModelId: model.id, targetOrganisationId: target.id, note: text } }],
      ['linkModels note', LINK, { input: { sourceModelId: model.id, targetModelId: MISSING_UUID, note: text } }],
      ['recordPeriodReport note', RECORD_REPORT, { input: { organisationId: org.id, period: '2023-H1', total: 1, note: text } }],
      ['createReportingPeriod label', CREATE_PERIOD, { input: { code: 'LEN-1', label: text, startsOn: '2031-01-01', endsOn: '2031-06-30' } }],
    ];
  }

  it.each([
    ['an organisation name', CREATE_ORG, () => ({ input: { name: over(300), kind: 'OTHER' } })],
    ['a model name', CREATE_MODEL, () => ({ input: { name: over(300), domain: 'ECONOMY', leadOrganisationId: tree.root.id } })],
    ['a short name', CREATE_ORG, () => ({ input: { name: name('short'), kind: 'OTHER', shortName: over(100) } })],
    ['a period label', CREATE_PERIOD, () => ({ input: { code: 'LEN-2', label: over(200), startsOn: '2031-01-01', endsOn: '2031-06-30' } })],
    [
      'a model description',
      CREATE_MODEL,
      () => ({ input: { name: name('described'), description: over(5000), domain: 'ECONOMY', leadOrganisationId: tree.root.id } }),
    ],
    ['a search', SEARCH_MODELS, () => ({ q: over(200) })],
  ])(
    'refuses %s of "a\\uFE0F" repeated past the column size with BAD_USER_INPUT, and the server answers the next request',
    async (_label, query, variables) => {
      const reply = await refused(s, query, variables(), 'BAD_USER_INPUT');
      expect(reply.body.errors[0].message).toMatch(/characters long/);
      expect(leaksIn(JSON.stringify(reply.body))).toEqual([]);
      expect(dataOf(await run(s, `{ organisations(first: 1) { totalCount } }`)).organisations.totalCount).toBeGreaterThan(0);
    },
  );

  it('refuses one code point over the maximum on every field that has one, updates and notes included', async () => {
    const over300 = '😀'.repeat(101) + 'a\uFE0F'.repeat(50) + 'e\u0301'.repeat(50); // 301 code points
    expect([...over300].length).toBe(301);
    const longer = (max: number) => 'a\uFE0F'.repeat(Math.floor((max + 1) / 2)) + ((max + 1) % 2 ? 'x' : '');
    const limits: Record<string, number> = { shortName: 100, description: 5000, note: 2000, label: 200 };
    for (const [label, query, variables] of await writes(over300)) {
      const field = label.split(' ')[1];
      const max = field === 'name' ? 300 : label === 'recordPeriodReport note' ? 5000 : limits[field];
      const text = field === 'name' ? over300 : longer(max);
      expect([...text].length).toBe(max + 1);
      const input = { ...(variables.input as Record<string, unknown>), [field]: text };
      const reply = await refused(s, query, { input }, 'BAD_USER_INPUT');
      expect([label, reply.body.errors[0].message]).toEqual([label, expect.stringMatching(new RegExp(`${field} must be .*${max} characters long`))]);
    }
  });

  it('accepts a name of exactly 300 code points made of emoji, variation selectors and combining marks, and reads it back equal', async () => {
    const prefix = `${TAG} `;
    const fill = 300 - [...prefix].length;
    let text = prefix;
    const pieces = ['😀', 'a\uFE0F', 'e\u0301', 'ộ', '👍🏽'];
    for (let i = 0; [...text].length < 300; i += 1) {
      const piece = pieces[i % pieces.length];
      text += [...text].length + [...piece].length <= 300 ? piece : 'y';
    }
    expect([...text].length).toBe(300);
    expect(text.length).toBeGreaterThan(300 + fill / 4);
    const org = dataOf(await run(s, CREATE_ORG, { input: { name: text, kind: 'OTHER', shortName: 'a\uFE0F'.repeat(50) } })).createOrganisation;
    expect(org.name).toBe(text);
    const model = dataOf(
      await run(s, CREATE_MODEL, { input: { name: text, domain: 'ECONOMY', leadOrganisationId: org.id, description: '👍🏽'.repeat(2500) } }),
    ).createModel;
    expect(model.name).toBe(text);
    const read = dataOf(
      await run(s, `query($o: ID!, $m: ID!) { organisation(id: $o) { name shortName } model(id: $m) { name description } }`, { o: org.id, m: model.id }),
    );
    expect(read).toEqual({ organisation: { name: text, shortName: 'a\uFE0F'.repeat(50) }, model: { name: text, description: '👍🏽'.repeat(2500) } });
    const [row] = await s.db.dataSource.query(`SELECT char_length(name) AS n FROM organisation WHERE id = $1`, [org.id]);
    expect(Number(row.n)).toBe(300);
  });

  it.each([
    ['a lone high surrogate', `${TAG} ab\uD800cd`],
    ['a lone low surrogate', `${TAG} \uDC00`],
    ['a NUL', `${TAG} a\u0000b`],
  ])('refuses %s in every text field with BAD_USER_INPUT, writing nothing', async (_label, text) => {
    for (const [label, query, variables] of await writes(text)) {
      const reply = await refused(s, query, variables, 'BAD_USER_INPUT');
      expect([label, reply.body.errors[0].message]).toEqual([label, expect.stringMatching(/surrogate|NUL/)]);
    }
    await refused(s, SEARCH_MODELS, { q: text }, 'BAD_USER_INPUT');
    await refused(s, SEARCH_ORGS, { q: text }, 'BAD_USER_INPUT');
  });

  it('refuses a search of nearly 1 MB quickly with BAD_USER_INPUT', async () => {
    for (const query of [SEARCH_MODELS, SEARCH_ORGS]) {
      const started = Date.now();
      const reply = await refused(s, query, { q: 'đ'.repeat(1_000_000 / 2 - 100) }, 'BAD_USER_INPUT');
      expect(reply.body.errors[0].message.length).toBeLessThan(300);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
  });

  it('translates a value too long for its column (22001), the backstop, into BAD_USER_INPUT "A value is too long"', async () => {
    const attempt = inTransaction(s.db.dataSource, async (m) => {
      await m.query(`CREATE TEMPORARY TABLE too_long_backstop (v varchar(3)) ON COMMIT DROP`);
      await m.query(`INSERT INTO too_long_backstop (v) VALUES ($1)`, ['abcd']);
    });
    await expect(attempt).rejects.toMatchObject({ message: 'A value is too long.', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('the replication graph', () => {
  it('refuses a self-link with BAD_USER_INPUT', async () => {
    const a = await freshModel(tree.root.id, 'self');
    await refused(s, LINK, { input: { sourceModelId: a.id, targetModelId: a.id } }, 'BAD_USER_INPUT');
  });

  it('refuses a self-link spelled in another case, with BAD_USER_INPUT or CONFLICT, changing nothing', async () => {
    const a = await freshModel(tree.root.id, 'self');
    const before = await dbState(s);
    const reply = await run(s, LINK, { input: { sourceModelId: a.id, targetModelId: a.id.toUpperCase() } });
    expect(await dbState(s)).toEqual(before);
    expect(errorsOf(reply)).toHaveLength(1);
    expect(['BAD_USER_INPUT', 'CONFLICT']).toContain(errorsOf(reply)[0].code);
  });

  it('refuses a duplicate link with CONFLICT', async () => {
    const a = await freshModel(tree.root.id, 'dup-a');
    const b = await freshModel(tree.root.id, 'dup-b');
    dataOf(await run(s, LINK, { input: { sourceModelId: a.id, targetModelId: b.id } }));
    await refused(s, LINK, { input: { sourceModelId: a.id, targetModelId: b.id } }, 'CONFLICT');
    const data = dataOf(await run(s, `query($id: ID!) { model(id: $id) { replicaCount } }`, { id: a.id }));
    expect(data.model.replicaCount).toBe(1);
  });

  it('refuses a cycle (A→B, B→C, then C→A) with CONFLICT', async () => {
    const a = await freshModel(tree.root.id, 'cycle-a');
    const b = await freshModel(tree.root.id, 'cycle-b');
    const c = await freshModel(tree.root.id, 'cycle-c');
    dataOf(await run(s, LINK, { input: { sourceModelId: a.id, targetModelId: b.id } }));
    dataOf(await run(s, LINK, { input: { sourceModelId: b.id, targetModelId: c.id } }));
    await refused(s, LINK, { input: { sourceModelId: c.id, targetModelId: a.id } }, 'CONFLICT');
  });

  it('refuses a second source for a model that already has one with CONFLICT', async () => {
    const a = await freshModel(tree.root.id, 'src-a');
    const b = await freshModel(tree.root.id, 'src-b');
    const d = await freshModel(tree.root.id, 'src-d');
    const link = dataOf(await run(s, LINK, { input: { sourceModelId: a.id, targetModelId: b.id } })).linkModels;
    const reply = await refused(s, LINK, { input: { sourceModelId: d.id, targetModelId: b.id } }, 'CONFLICT');
    expect(reply.body.errors[0].extensions.existingLinkId).toBe(link.id);
  });

  it('refuses replicating to an organisation that already runs the model, and replicating an archived model, with CONFLICT', async () => {
    const org = await freshOrg('runs');
    const other = await freshOrg('other');
    const a = await freshModel(org.id, 'rep');
    await refused(s, REPLICATE, { input: { sourceModelId: a.id, targetOrganisationId: org.id } }, 'CONFLICT');
    dataOf(await run(s, ARCHIVE_MODEL, { id: a.id, version: a.version }));
    await refused(s, REPLICATE, { input: { sourceModelId: a.id, targetOrganisationId: other.id } }, 'CONFLICT');
  });

  it('refuses removing a link twice with NOT_FOUND', async () => {
    const a = await freshModel(tree.root.id, 'unlink-a');
    const b = await freshModel(tree.root.id, 'unlink-b');
    const link = dataOf(await run(s, LINK, { input: { sourceModelId: a.id, targetModelId: b.id } })).linkModels;
    dataOf(await run(s, UNLINK, { id: link.id }));
    await refused(s, UNLINK, { id: link.id }, 'NOT_FOUND');
  });
});

describe('versions and the organisation tree', () => {
  it('refuses a stale updateModel with CONFLICT and leaves the model as it was', async () => {
    const model = await freshModel(tree.root.id, 'stale');
    const renamed = dataOf(await run(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, name: name('renamed') } })).updateModel;
    expect(renamed.version).toBe(model.version + 1);
    const reply = await refused(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, name: name('lost update') } }, 'CONFLICT');
    expect(reply.body.errors[0].extensions).toMatchObject({ expectedVersion: model.version, currentVersion: renamed.version });
    const data = dataOf(await run(s, `query($id: ID!) { model(id: $id) { name version } }`, { id: model.id }));
    expect(data.model).toEqual({ name: renamed.name, version: renamed.version });
  });

  it('refuses a stale updateOrganisation, archiveOrganisation and archiveModel with CONFLICT', async () => {
    const org = await freshOrg('stale');
    const model = await freshModel(org.id);
    dataOf(await run(s, UPDATE_ORG, { input: { id: org.id, version: org.version, name: name('stale 2') } }));
    dataOf(await run(s, UPDATE_MODEL, { input: { id: model.id, version: model.version, name: name('stale 2') } }));
    await refused(s, UPDATE_ORG, { input: { id: org.id, version: org.version, name: name('lost') } }, 'CONFLICT');
    await refused(s, UPDATE_ORG, { input: { id: org.id, version: -1, name: name('lost') } }, 'CONFLICT');
    await refused(s, ARCHIVE_ORG, { id: org.id, version: org.version }, 'CONFLICT');
    await refused(s, ARCHIVE_MODEL, { id: model.id, version: model.version }, 'CONFLICT');
  });

  it('refuses moving an organisation under its own descendant, or itself, with CONFLICT', async () => {
    const root = await freshOrg('mover');
    const child = await seed.organisation({ name: name('mover child'), parentId: root.id });
    const grandchild = await seed.organisation({ name: name('mover grandchild'), parentId: child.id });
    await refused(s, UPDATE_ORG, { input: { id: root.id, version: root.version, parentId: grandchild.id } }, 'CONFLICT');
    await refused(s, UPDATE_ORG, { input: { id: root.id, version: root.version, parentId: child.id } }, 'CONFLICT');
    await refused(s, UPDATE_ORG, { input: { id: root.id, version: root.version, parentId: root.id } }, 'CONFLICT');
    await refused(s, UPDATE_ORG, { input: { id: root.id, version: root.version, parentId: grandchild.id.toUpperCase() } }, 'CONFLICT');
  });

  it('refuses archiving an organisation with active children, and creating under an archived one, with CONFLICT', async () => {
    const parent = await freshOrg('archive parent');
    const child = await seed.organisation({ name: name('archive child'), parentId: parent.id });
    await refused(s, ARCHIVE_ORG, { id: parent.id, version: parent.version }, 'CONFLICT');
    dataOf(await run(s, ARCHIVE_ORG, { id: child.id, version: child.version }));
    await refused(s, CREATE_ORG, { input: { name: name('under archived'), kind: 'OTHER', parentId: child.id } }, 'CONFLICT');
    await refused(s, CREATE_MODEL, { input: { name: name('led by archived'), domain: 'ECONOMY', leadOrganisationId: child.id } }, 'CONFLICT');
  });
});

describe('cursors', () => {
  const MODELS_AFTER = `query($c: String, $o: ModelOrder) { models(first: 2, after: $c, orderBy: $o) { edges { node { id } } } }`;

  it.each([
    ['garbage', 'garbage'],
    ['empty', ''],
    ['punctuation', '!!!@@@'],
    ['base64 of an object', Buffer.from('{"a":1}').toString('base64url')],
    ['base64 of a short array', Buffer.from('["model:NAME"]').toString('base64url')],
    ['base64 of wrong types', cursorOf('model:NAME', { x: 1 }, 5)],
    ['base64 of text', Buffer.from("'; DROP TABLE model;--").toString('base64')],
  ])('refuses a %s cursor with BAD_USER_INPUT', async (_label, cursor) => {
    const reply = await refused(s, MODELS_AFTER, { c: cursor }, 'BAD_USER_INPUT');
    expect(reply.body.errors[0].extensions.argument).toBe('cursor');
  });

  it('refuses a 100000-character cursor with a short BAD_USER_INPUT message', async () => {
    const reply = await refused(s, MODELS_AFTER, { c: 'A'.repeat(100_000) }, 'BAD_USER_INPUT');
    expect(reply.body.errors[0].message.length).toBeLessThan(400);
  });

  it('refuses a cursor from another list or another ordering with BAD_USER_INPUT', async () => {
    const orgCursor = dataOf(await run(s, `{ organisations(first: 1) { edges { cursor } } }`)).organisations.edges[0].cursor;
    const modelNameCursor = dataOf(await run(s, `{ models(first: 1) { edges { cursor } } }`)).models.edges[0].cursor;
    await refused(s, MODELS_AFTER, { c: orgCursor }, 'BAD_USER_INPUT');
    await refused(s, MODELS_AFTER, { c: modelNameCursor, o: { field: 'CREATED_AT' } }, 'BAD_USER_INPUT');
    await refused(s, `query($c: String) { organisations(first: 2, after: $c) { edges { node { id } } } }`, { c: modelNameCursor }, 'BAD_USER_INPUT');
    // The same cursor is fine where it came from.
    dataOf(await run(s, MODELS_AFTER, { c: modelNameCursor }));
  });

  it('refuses a garbage cursor in a nested list with BAD_USER_INPUT', async () => {
    const reply = await run(s, `query($id: ID!) { organisation(id: $id) { children(first: 1, after: "garbage") { edges { node { id } } } } }`, {
      id: tree.root.id,
    });
    expect(errorsOf(reply)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT' })]);
  });

  it('refuses after with before, and before without last, with BAD_USER_INPUT', async () => {
    const cursor = dataOf(await run(s, `{ models(first: 1) { edges { cursor } } }`)).models.edges[0].cursor;
    await refused(s, `query($c: String) { models(first: 2, after: $c, before: $c) { totalCount } }`, { c: cursor }, 'BAD_USER_INPUT');
    await refused(s, `query($c: String) { models(first: 2, before: $c) { totalCount } }`, { c: cursor }, 'BAD_USER_INPUT');
    await refused(s, `query($c: String) { models(last: 2, after: $c) { totalCount } }`, { c: cursor }, 'BAD_USER_INPUT');
  });

  it.each([
    ['an id that is no UUID', cursorOf('model:NAME', 'x', 'not-a-uuid'), undefined],
    ['text where an int sorts', cursorOf('model:REPLICA_COUNT', 'abc', MISSING_UUID), { field: 'REPLICA_COUNT' }],
    ['an int beyond the column', cursorOf('model:REPLICA_COUNT', 1e20, MISSING_UUID), { field: 'REPLICA_COUNT' }],
    ['an impossible date', cursorOf('model:STARTED_ON', '2023-13-45', MISSING_UUID), { field: 'STARTED_ON' }],
    ['an impossible timestamp', cursorOf('model:CREATED_AT', 'yesterday-ish', MISSING_UUID), { field: 'CREATED_AT' }],
  ])('refuses a forged cursor with %s with BAD_USER_INPUT, without the database message', async (_label, cursor, order) => {
    const reply = await refused(s, MODELS_AFTER, { c: cursor, o: order }, 'BAD_USER_INPUT');
    expect(leaksIn(reply.body.errors[0].message)).toEqual([]);
  });

  it('takes SQL inside a forged cursor value literally', async () => {
    const cursor = cursorOf('model:NAME', "x'); DROP TABLE model; --", MISSING_UUID);
    const data = dataOf(await run(s, MODELS_AFTER, { c: cursor }));
    expect(Array.isArray(data.models.edges)).toBe(true);
    const [{ n }] = await s.db.dataSource.query(`SELECT count(*)::int AS n FROM model`);
    expect(n).toBeGreaterThan(0);
  });
});

/** No Authorization header at all. */
const ANONYMOUS = { authorization: '' };

describe('API tokens (a development shortcut: each an ADMIN)', () => {
  let auth: TestServer;
  const token = 's3cret-token';
  beforeAll(async () => {
    auth = await startTestServer({ apiTokens: new Map([[token, 'portal']]) });
  });
  afterAll(() => auth?.stop());

  it('answers a query without a token', async () => {
    expect(dataOf(await run(auth, `{ models(first: 1) { totalCount } }`, undefined, ANONYMOUS)).models.totalCount).toBeGreaterThan(0);
  });

  it('refuses a mutation without a token with UNAUTHENTICATED, changing nothing', async () => {
    await refused(auth, CREATE_ORG, { input: { name: name('no token'), kind: 'OTHER' } }, 'UNAUTHENTICATED', ANONYMOUS);
  });

  it.each([
    ['an unknown token', 'Bearer not-the-token'],
    ['the token in another case', 'Bearer S3CRET-TOKEN'],
    ['another scheme', `Basic ${Buffer.from(`portal:${token}`).toString('base64')}`],
    ['the bare token', token],
    ['Bearer without a token', 'Bearer '],
    ['SQL', "Bearer ' OR '1'='1"],
  ])('refuses %s with UNAUTHENTICATED and HTTP 401, for mutations and queries', async (_label, header) => {
    const reply = await refused(auth, CREATE_ORG, { input: { name: name('bad token'), kind: 'OTHER' } }, 'UNAUTHENTICATED', { authorization: header });
    expect(reply.status).toBe(401);
    const query = await run(auth, `{ models(first: 1) { totalCount } }`, undefined, { authorization: header });
    expect(query.status).toBe(401);
    expect(errorsOf(query)).toEqual([expect.objectContaining({ code: 'UNAUTHENTICATED' })]);
  });

  it('accepts "Authorization: Bearer s3cret-token" and records the caller', async () => {
    const orgName = name('with token');
    const created = dataOf(await run(auth, CREATE_ORG, { input: { name: orgName, kind: 'OTHER' } }, { authorization: `Bearer ${token}` })).createOrganisation;
    expect(created.name).toBe(orgName);
    const events = await auth.db.dataSource.query(`SELECT actor, actor_role AS "actorRole", type FROM change_event WHERE entity_id = $1`, [created.id]);
    expect(events).toEqual([{ actor: 'portal', actorRole: 'ADMIN', type: 'ORGANISATION_CREATED' }]);
    dataOf(await run(auth, `{ __typename }`, undefined, { authorization: `bearer   ${token}  ` }));
  });
});

describe('EXPOSE_ERRORS=false', () => {
  let hardened: TestServer;
  let fixture: { org: { id: string; version: number }; a: { id: string; version: number }; b: { id: string; version: number } };
  beforeAll(async () => {
    hardened = await startTestServer({ exposeErrors: false });
    const seedHardened = seeder(hardened);
    const org = await seedHardened.organisation({ name: name('hardened') });
    const a = await seedHardened.model({ leadOrganisationId: org.id, name: name('hardened a') });
    const b = await seedHardened.model({ leadOrganisationId: org.id, name: name('hardened b') });
    await hardened.ok(LINK, { input: { sourceModelId: a.id, targetModelId: b.id } });
    fixture = { org, a, b };
  });
  afterAll(() => hardened?.stop());

  const battery = (): Array<[string, string, Record<string, unknown>?]> => [
    ['blank name', CREATE_ORG, { input: { name: '   ', kind: 'OTHER' } }],
    ['missing model', UPDATE_MODEL, { input: { id: MISSING_UUID, version: 1, name: 'x' } }],
    ['malformed id', ARCHIVE_ORG, { id: INJECTION, version: 1 }],
    ['duplicate link', LINK, { input: { sourceModelId: fixture.a.id, targetModelId: fixture.b.id } }],
    ['cycle', LINK, { input: { sourceModelId: fixture.b.id, targetModelId: fixture.a.id } }],
    ['stale version', UPDATE_MODEL, { input: { id: fixture.a.id, version: fixture.a.version + 5, name: 'x' } }],
    [
      'lead as partner in upper case',
      CREATE_MODEL,
      { input: { name: name('m'), domain: 'ECONOMY', leadOrganisationId: fixture.org.id, partnerOrganisationIds: [fixture.org.id.toUpperCase()] } },
    ],
    ['too costly', `{ models(first: 100) { edges { node { replicas(first: 100) { edges { node { replicas(first: 100) { edges { node { id } } } } } } } } } }`],
    ['too deep', queryOfDepth(LIMITS.maxQueryDepth + 1), { id: fixture.org.id }],
    ['unknown field', `{ models { edges { node { password } } } }`],
    ['parse error', `{ models(`],
    ['enum in a variable', CREATE_ORG, { input: { name: 'x', kind: 'BOGUS' } }],
    ['garbage cursor', `{ models(first: 1, after: "garbage") { totalCount } }`],
    [
      'forged cursor that fails a cast in SQL',
      `query($c: String) { models(first: 1, after: $c) { edges { node { id } } } }`,
      { c: cursorOf('model:NAME', 'x', 'not-a-uuid') },
    ],
    [
      'forged int cursor',
      `query($c: String) { models(first: 1, after: $c, orderBy: { field: REPLICA_COUNT }) { edges { node { id } } } }`,
      { c: cursorOf('model:REPLICA_COUNT', 1e20, MISSING_UUID) },
    ],
    ['NUL in a name', CREATE_ORG, { input: { name: 'a\u0000b', kind: 'OTHER' } }],
    ['NUL in a search', `query($q: String) { models(filter: { search: $q }) { totalCount } }`, { q: '\u0000' }],
    ['huge page', `{ models(first: ${LIMITS.maxPageSize + 1}) { totalCount } }`],
    ['bad token', `{ __typename }`],
  ];

  it('never shows SQL, a stack or a file path in an error, and every error has a code', async () => {
    const problems: Record<string, unknown> = {};
    for (const [label, query, variables] of battery()) {
      const headers: Record<string, string> = label === 'bad token' ? { authorization: 'Bearer nope-nope-nope' } : {};
      const reply = await run(hardened, query, variables, headers);
      const errors = reply.body?.errors ?? [];
      const issues: string[] = [];
      if (errors.length === 0) issues.push('no error');
      for (const e of errors) {
        issues.push(...leaksIn(JSON.stringify(e)));
        if (typeof e.extensions?.code !== 'string') issues.push('no code');
        if ('stacktrace' in (e.extensions ?? {}) || 'exception' in (e.extensions ?? {})) issues.push('stacktrace extension');
      }
      if (issues.length) problems[label] = { issues, errors };
    }
    expect(problems).toEqual({});
  });

  it('masks an internal error behind a generic message', async () => {
    const reply = await run(hardened, `query($q: String) { models(filter: { search: $q }) { totalCount } }`, { q: 'a\u0000b' });
    for (const e of reply.body.errors) {
      if (e.extensions.code === 'INTERNAL_SERVER_ERROR') expect(e.message).toMatch(/^Internal server error/);
      else expect(SAFE_CODES).toContain(e.extensions.code);
    }
  });

  it('answers a malformed JSON body with a 400 that shows no stack or file path', async () => {
    const reply = await post(hardened, '{"query": "{ __typename }", ');
    expect(reply.status).toBe(400);
    expect(leaksIn(reply.text)).toEqual([]);
  });

  it('answers a body over the 1 MB limit with a 413 that shows no stack or file path', async () => {
    const reply = await post(hardened, JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } }));
    expect(reply.status).toBe(413);
    expect(leaksIn(reply.text)).toEqual([]);
  });

  it('answers a query that is not a string with BAD_REQUEST and no leak', async () => {
    const reply = await post(hardened, JSON.stringify({ query: { select: 1 } }));
    expect(reply.status).toBe(400);
    expect(errorsOf(reply)).toEqual([expect.objectContaining({ code: 'BAD_REQUEST' })]);
    expect(leaksIn(reply.text)).toEqual([]);
  });
});
