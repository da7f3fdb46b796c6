import { insertReplicatedModels, seeder } from '../helpers/seed';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
let parentId: string;

const NESTED = `query($parent: ID!, $orgs: Int!, $models: Int!) {
  organisations(first: $orgs, filter: { parentId: $parent }) {
    totalCount
    edges { node { id name parent { name } ancestors { id }
      models(first: $models) { totalCount edges { node { id name domain status leadOrganisation { name }
        organisations { role organisation { name } }
        replicatedFrom { name }
        replicas(first: $models) { totalCount edges { node { name organisations { organisation { name parent { name } } } } } } } } } } } } }`;

beforeAll(async () => {
  // The worst-case cost of 50 × 100 × 100 nested rows is far above the default limit; this test
  // is about statement counts, so the limit is lifted.
  server = await startTestServer({ maxQueryComplexity: 100_000_000 });
  const seed = seeder(server);
  // Arrange: 60 organisations, each running 2 models, each model replicated to a neighbour. The
  // parent through the API (so there is a change to point a cursor at); the rest with SQL: this
  // file is about reading them.
  const parent = await seed.organisation({ kind: 'WARD' });
  parentId = parent.id;
  await insertReplicatedModels(server.db.dataSource, { parentId, organisations: 60, modelsEach: 2 });
});
afterAll(() => server?.stop());

describe('DataLoader batching', () => {
  it('reads the latest change cursor once per request, however many aliases ask for it', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `c${i}: latestChangeCursor`).join(' ');
    const res = await server.gql(`{ ${aliases} }`);
    expect(res.errors).toBeUndefined();
    expect(new Set(Object.values(res.data)).size).toBe(1);
    expect(res.extensions?.sqlStatements).toBe(1);
  });

  it('shares one statement between aliases asking the same nested page, and gives each alias its answer', async () => {
    const page = 'models(first: 3) { totalCount edges { node { id } } }';
    const one = await server.gql(`query($p: ID!) { organisations(first: 20, filter: { parentId: $p }) { edges { node { a: ${page} } } } }`, { p: parentId });
    const two = await server.gql(
      `query($p: ID!) { organisations(first: 20, filter: { parentId: $p }) { edges { node { a: ${page} b: ${page} c: models(first: 1) { edges { node { id } } } } } } }`,
      { p: parentId },
    );
    expect(one.errors).toBeUndefined();
    expect(two.errors).toBeUndefined();
    // a and b share a loader; c (other arguments) adds one statement
    expect(two.extensions?.sqlStatements).toBe((one.extensions?.sqlStatements ?? 0) + 1);
    for (const [i, edge] of two.data.organisations.edges.entries()) {
      expect(edge.node.a).toEqual(one.data.organisations.edges[i].node.a);
      expect(edge.node.b).toEqual(edge.node.a);
      expect(edge.node.c.edges).toEqual(edge.node.a.edges.slice(0, 1));
    }
  });

  it('runs the same number of SQL statements for 10 or 50 organisations and pages of 10 or 100', async () => {
    const small = await server.gql(NESTED, { parent: parentId, orgs: 10, models: 10 });
    const large = await server.gql(NESTED, { parent: parentId, orgs: 50, models: 100 });
    const huge = await server.gql(NESTED, { parent: parentId, orgs: 100, models: 100 });
    expect(small.errors).toBeUndefined();
    expect(large.errors).toBeUndefined();
    // The large answer really is larger: 50 organisations, each with its own 2 + 2 replicated models
    expect(large.data.organisations.edges).toHaveLength(50);
    expect(large.data.organisations.edges[0].node.models.totalCount).toBe(4);
    expect(huge.data.organisations.edges).toHaveLength(60);
    const statements = { small: small.extensions?.sqlStatements, large: large.extensions?.sqlStatements, huge: huge.extensions?.sqlStatements };
    console.log(`SQL statements for the nested query: page size 10 → ${statements.small}, 50/100 → ${statements.large}, 100/100 → ${statements.huge}`);
    // Batching may merge a level or two more when everything is in one page, never split more.
    expect(statements.large).toBeLessThanOrEqual(statements.small!);
    expect(statements.huge).toBeLessThanOrEqual(statements.small!);
    expect(statements.small).toBeLessThanOrEqual(15);
  });

  it('brings the models of an organisation page and the replicas of a model page with the page: the same pages as their loaders, and a list it cannot bring reads (and fails) at its own path', async () => {
    // `@include(if: true)` keeps a list out of what its page brings: the loader path, for comparison.
    const replicas = (via: string, inner: string) =>
      `replicas(first: 3)${via} { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name replicas(first: 2)${via} { totalCount edges { node { id name } } } ${inner} } } }`;
    const nested = (via: string) =>
      `query($p: ID!) { organisations(first: 30, filter: { parentId: $p }) { edges { node { id models(first: 5)${via} { totalCount edges { node { id ${replicas(via, '')} } } } } } }
        organisation(id: $p) { children(first: 25) { edges { node { name models(first: 2, includeDescendants: false)${via} { totalCount edges { node { name } } } } } } }
        models(first: 40) { edges { node { id ${replicas(via, '')} a: replicas(first: 1)${via} { edges { node { id } } } } } } }`;
    const brought = await server.gql(nested(''), { p: parentId });
    const loaded = await server.gql(nested(' @include(if: true)'), { p: parentId });
    expect(brought.errors).toBeUndefined();
    expect(loaded.errors).toBeUndefined();
    expect(brought.data).toEqual(loaded.data);
    const pages = brought.data.organisations.edges.flatMap((o: any) => o.node.models.edges.map((m: any) => m.node.replicas));
    expect(pages.length).toBeGreaterThan(40);
    expect(pages.filter((page: any) => page.edges.length > 0).length).toBeGreaterThan(20);
    // The same statements or fewer: the brought lists' statements run in their pages' rounds.
    expect(brought.extensions?.sqlStatements).toBeLessThanOrEqual(loaded.extensions?.sqlStatements ?? 0);

    // A list that @skip or @include leaves out costs no statement: the page brings nothing for it.
    const without = await server.gql(`{ models(first: 40) { edges { node { id name } } } }`);
    for (const skipped of [
      `{ models(first: 40) { edges { node { id name replicas(first: 3) @skip(if: true) { edges { node { id } } } } } } }`,
      `{ models(first: 40) { edges { node { id name ... on Model @include(if: false) { replicas(first: 3) { edges { node { id } } } } } } } }`,
      `{ models(first: 40) { edges @include(if: false) { node { id replicas(first: 3) { edges { node { id } } } } } } }`,
    ]) {
      const res = await server.gql(skipped);
      expect(res.errors).toBeUndefined();
      expect(res.extensions?.sqlStatements).toBe(without.extensions?.sqlStatements);
    }

    // Arguments from variables are read per request: each request gets its own page size.
    const sized = (via: string) => `query($n: Int!) { models(first: 40) { edges { node { id replicas(first: $n)${via} { edges { node { id } } } } } } }`;
    for (const n of [1, 3]) {
      const [fromPage, fromLoader] = await Promise.all([server.gql(sized(''), { n }), server.gql(sized(' @include(if: true)'), { n })]);
      expect(fromPage.errors).toBeUndefined();
      expect(fromPage.data).toEqual(fromLoader.data);
      const longest = Math.max(...fromPage.data.models.edges.map((m: any) => m.node.replicas.edges.length));
      expect(longest).toBeGreaterThan(0);
      expect(longest).toBeLessThanOrEqual(n);
    }

    // A cursor that is not one: the page cannot bring the list, and the error lands on each replicas field, as through the loader.
    const bad = (via: string) => `{ models(first: 2) { edges { node { id replicas(first: 2, after: "not-a-cursor")${via} { edges { node { id } } } } } } }`;
    const failed = await server.gql(bad(''));
    const failedLoaded = await server.gql(bad(' @include(if: true)'));
    expect(failed.data).toEqual(failedLoaded.data);
    expect(failed.errors?.length).toBeGreaterThan(0);
    expect(failed.errors?.map((e: any) => [e.path, e.extensions?.code])).toEqual(failedLoaded.errors?.map((e: any) => [e.path, e.extensions?.code]));
    expect(failed.errors?.[0].path?.at(-1)).toBe('replicas');
    expect(failed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('brings the lead organisations of a model page with the page: no statement of their own, the same organisations as the lead loader', async () => {
    const dashboard = (lead: string) => `query($p: ID!) { organisations(first: 20, filter: { parentId: $p }) { edges { node { id name
      models(first: 5, includeDescendants: false) { totalCount edges { node { id name domain status leadOrganisation { ${lead} }
        replicas(first: 5) { edges { node { name leadOrganisation { ${lead} } } } } } } } } } } }`;
    const riding = await server.gql(dashboard('id name shortName kind version parent { name }'), { p: parentId });
    // Asking for a timestamp sends the leads through their loader instead.
    const loaded = await server.gql(dashboard('id name shortName kind version parent { name } createdAt'), { p: parentId });
    expect(riding.errors).toBeUndefined();
    expect(loaded.errors).toBeUndefined();
    // the organisation page, the models page with its counts, the replicas page, the leads' parents
    expect(riding.extensions?.sqlStatements).toBe(4);
    // through the loader: one more statement, for the leads of both levels at once (the models
    // page brought its models' replicas, so both levels ask their leads in the same tick)
    expect(loaded.extensions?.sqlStatements).toBe(5);
    const leads = (data: typeof riding.data) =>
      data.organisations.edges.flatMap((o: any) =>
        o.node.models.edges.flatMap((m: any) => [m.node.leadOrganisation, ...m.node.replicas.edges.map((r: any) => r.node.leadOrganisation)]),
      );
    const expected = leads(loaded.data).map(({ createdAt: _c, ...lead }: Record<string, unknown>) => lead);
    expect(expected.length).toBeGreaterThan(40);
    expect(expected.every((lead: unknown) => lead !== null)).toBe(true);
    expect(leads(riding.data)).toEqual(expected);
    // A lead selection of plain fields only: the page's lead column carries just those, and the answer is the same.
    const narrow = await server.gql(dashboard('name kind'), { p: parentId });
    expect(narrow.errors).toBeUndefined();
    // the organisation page, the models page with its counts, the replicas page
    expect(narrow.extensions?.sqlStatements).toBe(3);
    expect(leads(narrow.data)).toEqual(expected.map(({ name, kind }: Record<string, unknown>) => ({ name, kind })));
  });

  it('reads only the columns a model page shows, and every column when a node asks for more', async () => {
    const page = (fields: string) => `query($p: ID!) { organisations(first: 5, filter: { parentId: $p }) { edges { node {
      models(first: 5) { edges { node { ${fields} } } } } } } }`;
    const all = 'id name description domain status startedOn replicaCount version createdAt updatedAt';
    const wide = await server.gql(page(all), { p: parentId });
    const narrow = await server.gql(page('id name ... on Model { domain }'), { p: parentId });
    expect(wide.errors).toBeUndefined();
    expect(narrow.errors).toBeUndefined();
    const nodes = (data: typeof wide.data) => data.organisations.edges.flatMap((o: any) => o.node.models.edges.map((m: any) => m.node));
    expect(nodes(narrow.data)).toEqual(nodes(wide.data).map(({ id, name, domain }: Record<string, unknown>) => ({ id, name, domain })));
    expect(nodes(wide.data).length).toBeGreaterThan(10);
    expect(nodes(wide.data).every((m: Record<string, unknown>) => typeof m.version === 'number' && m.createdAt && m.replicaCount !== undefined)).toBe(true);
  });
});
