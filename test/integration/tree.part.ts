import { useTestServer } from '../helpers/seed';

const t = useTestServer();

async function tree() {
  const root = await t.seed.organisation({ kind: 'CITY' });
  const a = await t.seed.organisation({ kind: 'WARD', parentId: root.id });
  const b = await t.seed.organisation({ kind: 'WARD', parentId: root.id });
  const a1 = await t.seed.organisation({ parentId: a.id });
  const a1x = await t.seed.organisation({ parentId: a1.id });
  const gone = await t.seed.organisation({ parentId: b.id });
  await t.server.ok(`mutation($i: ArchiveOrganisationInput!) { archiveOrganisation(input: $i) { id } }`, { i: { id: gone.id, version: gone.version } });
  return { root, a, b, a1, a1x };
}

const DESCENDANTS = `query($id: ID!, $d: Int, $first: Int, $after: String) { organisation(id: $id) {
  descendants(maxDepth: $d, first: $first, after: $after) { totalCount edges { depth node { id } } pageInfo { hasNextPage endCursor } } } }`;

describe('Organisation.descendants', () => {
  it('lists the organisations below, nearest first, with their depth; maxDepth bounds it; archived ones are left out', async () => {
    const o = await tree();
    const all = (await t.server.ok(DESCENDANTS, { id: o.root.id })).organisation.descendants;
    expect(all.totalCount).toBe(4);
    const byId = (x: { id: string }) => x.id;
    expect(all.edges.map((e: any) => [e.depth, e.node.id])).toEqual([
      ...[o.a, o.b]
        .map(byId)
        .sort()
        .map((id) => [1, id]),
      [2, o.a1.id],
      [3, o.a1x.id],
    ]);
    const two = (await t.server.ok(DESCENDANTS, { id: o.root.id, d: 2 })).organisation.descendants;
    expect(two.totalCount).toBe(3);
    const fromA = (await t.server.ok(DESCENDANTS, { id: o.a.id })).organisation.descendants;
    expect(fromA.edges.map((e: any) => [e.depth, e.node.id])).toEqual([
      [1, o.a1.id],
      [2, o.a1x.id],
    ]);
    // pages with cursors
    const first = (await t.server.ok(DESCENDANTS, { id: o.root.id, first: 3 })).organisation.descendants;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await t.server.ok(DESCENDANTS, { id: o.root.id, first: 3, after: first.pageInfo.endCursor })).organisation.descendants;
    expect(rest.edges.map((e: any) => e.node.id)).toEqual([o.a1x.id]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const bad = await t.server.gql(DESCENDANTS, { id: o.root.id, d: 0 });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'maxDepth' });
  });

  it('is one statement for all parents: 2 or 5 organisations cost the same', async () => {
    const parent = await t.seed.organisation();
    for (let i = 0; i < 5; i += 1) {
      const child = await t.seed.organisation({ parentId: parent.id });
      await t.seed.organisation({ parentId: child.id });
    }
    const q = `query($p: ID!, $n: Int!) { organisations(first: $n, filter: { parentId: $p }) { edges { node { id descendants(first: 5) { totalCount edges { depth node { name } } } } } } }`;
    const small = await t.server.gql(q, { p: parent.id, n: 2 });
    const large = await t.server.gql(q, { p: parent.id, n: 5 });
    expect(large.data.organisations.edges.map((e: any) => e.node.descendants.totalCount)).toEqual([1, 1, 1, 1, 1]);
    expect(large.extensions?.sqlStatements).toBe(small.extensions?.sqlStatements);
    expect(large.extensions?.sqlStatements).toBe(2);
  });
});

describe('organisations(filter: { withinId, maxDepth })', () => {
  it('bounds the subtree by depth, and refuses maxDepth without withinId', async () => {
    const o = await tree();
    const q = `query($id: ID!, $d: Int) { organisations(first: 50, filter: { withinId: $id, maxDepth: $d }) { totalCount } }`;
    const counts = [];
    for (const d of [null, 1, 2, 3]) counts.push((await t.server.ok(q, { id: o.root.id, d })).organisations.totalCount);
    expect(counts).toEqual([4, 2, 3, 4]);
    const alone = await t.server.gql(`{ organisations(filter: { maxDepth: 1 }) { totalCount } }`);
    expect(alone.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.maxDepth' });
  });
});
