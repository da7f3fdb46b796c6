import { useTestServer } from '../helpers/seed';

const t = useTestServer();

const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
  ... on Organisation { name kind }
  ... on Model { name domain leadOrganisation { id } }
  ... on ReplicationLink { source { id } target { id } } } }`;

describe('Relay object identification (Node, node, nodes)', () => {
  it('node(id:) refetches each Node type by the id every other field uses', async () => {
    const org = await t.seed.organisation({ kind: 'WARD' });
    const model = await t.seed.model({ leadOrganisationId: org.id });
    const other = await t.seed.organisation();
    const link = await t.seed.replicate(model.id, other.id);
    // A Relay fragment container reads a model through some list, then refetches it by id alone.
    const listed = await t.server.ok(`query($org: ID!) { organisation(id: $org) { id models(first: 1) { edges { node { id name } } } } }`, { org: org.id });
    const listedModel = listed.organisation.models.edges[0].node;
    const refetched = await t.server.ok(`query($id: ID!) { node(id: $id) { __typename id ... on Model { name version } } }`, { id: listedModel.id });
    expect(refetched.node).toEqual({ __typename: 'Model', id: model.id, name: listedModel.name, version: model.version });
    const byType = await t.server.ok(`query($o: ID!, $l: ID!) { o: node(id: $o) { __typename id } l: node(id: $l) { __typename id } }`, {
      o: org.id,
      l: link.id,
    });
    expect(byType).toEqual({ o: { __typename: 'Organisation', id: org.id }, l: { __typename: 'ReplicationLink', id: link.id } });
    // The federation key and the old lookups answer the same id.
    const entities = await t.server.ok(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Model { id } } }`, {
      r: [{ __typename: 'Model', id: model.id }],
    });
    expect(entities._entities).toEqual([{ id: model.id }]);
  });

  it('node(id:) is null for an id nothing has, malformed or not', async () => {
    const data = await t.server.ok(`{ a: node(id: "00000000-0000-4000-8000-000000000001") { id } b: node(id: "nope") { id } }`);
    expect(data).toEqual({ a: null, b: null });
  });

  it('nodes(ids:) answers 100 mixed ids in order with one statement per type', async () => {
    const lead = await t.seed.organisation({ kind: 'WARD' });
    const source = await t.seed.model({ leadOrganisationId: lead.id });
    for (let i = 0; i < 20; i += 1) await t.seed.replicate(source.id, (await t.seed.organisation()).id);
    const orgs = await t.server.ok(`{ organisations(first: 40) { edges { node { id } } } }`);
    const models = await t.server.ok(`{ models(first: 40) { edges { node { id } } } }`);
    const links = await t.server.ok(`{ replicationLinks(first: 19) { edges { node { id } } } }`);
    const ids: string[] = [
      ...orgs.organisations.edges.map((e: any) => e.node.id),
      ...models.models.edges.map((e: any) => e.node.id),
      ...links.replicationLinks.edges.map((e: any) => e.node.id),
      '00000000-0000-4000-8000-000000000002',
    ];
    expect(ids.length).toBeGreaterThan(90);
    // interleave the types
    const mixed = ids.map((id, i) => ids[(i * 37) % ids.length]);
    expect(new Set(mixed).size).toBe(ids.length);
    const res = await t.server.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, { ids: mixed });
    expect(res.errors).toBeUndefined();
    expect(res.data.nodes.map((n: any) => n?.id ?? null)).toEqual(mixed.map((id) => (id.startsWith('00000000-0000-4000') ? null : id)));
    const typeCounts = res.data.nodes.reduce(
      (acc: Record<string, number>, n: any) => ({ ...acc, [n?.__typename ?? 'null']: (acc[n?.__typename ?? 'null'] ?? 0) + 1 }),
      {},
    );
    expect(typeCounts).toEqual({
      Organisation: orgs.organisations.edges.length,
      Model: models.models.edges.length,
      ReplicationLink: links.replicationLinks.edges.length,
      null: 1,
    });
    console.log(`nodes(ids:) with ${mixed.length} mixed ids: ${res.extensions?.sqlStatements} SQL statements`);
    expect(res.extensions?.sqlStatements).toBeLessThanOrEqual(3);
    // Their fields reuse the same loaders: a model's lead organisation batches once more at most.
    const deep = await t.server.gql(NODES, { ids: mixed });
    expect(deep.errors).toBeUndefined();
    expect(deep.extensions?.sqlStatements).toBeLessThanOrEqual(5);
  });

  it('nodes(ids:) refuses more than MAX_PAGE_SIZE ids', async () => {
    const ids = Array.from({ length: 101 }, () => '00000000-0000-4000-8000-000000000003');
    const res = await t.server.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
