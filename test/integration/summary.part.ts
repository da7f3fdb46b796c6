import { useTestServer } from '../helpers/seed';

const t = useTestServer();

describe('Organisation.summary', () => {
  it('equals a direct count, for the subtree and the organisation alone, in one batched statement', async () => {
    // Arrange: a ward with a child; models in several domains and statuses; a replication in 2023-H1
    const ward = await t.seed.organisation({ kind: 'WARD' });
    const child = await t.seed.organisation({ parentId: ward.id });
    const outside = await t.seed.organisation();
    const m1 = await t.seed.model({ leadOrganisationId: ward.id, domain: 'ECONOMY', startedOn: '2023-02-01' });
    await t.seed.model({ leadOrganisationId: child.id, domain: 'ECONOMY', status: 'PILOT' });
    await t.seed.model({ leadOrganisationId: child.id, domain: 'SECURITY_DEFENCE', partnerOrganisationIds: [ward.id], startedOn: '2024-01-01' });
    const archived = await t.seed.model({ leadOrganisationId: child.id, domain: 'POLITICAL_SYSTEM' });
    await t.server.ok(`mutation($id: ID!, $v: Int!) { archiveModel(id: $id, version: $v) { id } }`, { id: archived.id, v: archived.version });
    await t.seed.replicate(m1.id, child.id, '2023-05-05');
    await t.seed.replicate(m1.id, outside.id, '2023-05-06');
    // Act
    const res = await t.server.gql(
      `query($ward: ID!, $child: ID!) {
      ward: organisation(id: $ward) { summary(period: "2023-H1") { totalModels byDomain { domain count } byStatus { status count } startedInPeriod replicatedInPeriod organisationsInvolved } }
      alone: organisation(id: $ward) { summary(includeDescendants: false) { totalModels startedInPeriod } }
      child: organisation(id: $child) { summary(period: "2023-H1") { totalModels replicatedInPeriod } } }`,
      { ward: ward.id, child: child.id },
    );
    // Assert against a direct count in SQL
    const [direct] = await t.server.db.dataSource.query(
      `SELECT count(DISTINCT m.id) FILTER (WHERE m.status <> 'ARCHIVED')::int AS total
       FROM model m JOIN model_organisation mo ON mo.model_id = m.id JOIN organisation o ON o.id = mo.organisation_id
       WHERE o.path LIKE (SELECT path FROM organisation WHERE id = $1) || '%'`,
      [ward.id],
    );
    const s = res.data.ward.summary;
    expect(s.totalModels).toBe(direct.total);
    expect(s.totalModels).toBe(4); // m1, pilot, security, and the replica led by the child
    expect(s.byDomain).toEqual([
      { domain: 'ECONOMY', count: 3 },
      { domain: 'CULTURE_SOCIETY', count: 0 },
      { domain: 'SECURITY_DEFENCE', count: 1 },
      { domain: 'POLITICAL_SYSTEM', count: 0 },
    ]);
    expect(s.byStatus).toEqual(
      expect.arrayContaining([
        { status: 'ARCHIVED', count: 1 },
        { status: 'PILOT', count: 1 },
        { status: 'ACTIVE', count: 3 },
      ]),
    );
    expect(s.startedInPeriod).toBe(2); // m1 (2023-02-01) and its replica in the child (started on 2023-05-05)
    expect(s.replicatedInPeriod).toBe(1); // only the replication into the subtree
    expect(s.organisationsInvolved).toBe(2);
    expect(res.data.alone.summary).toEqual({ totalModels: 2, startedInPeriod: null });
    expect(res.data.child.summary).toEqual({ totalModels: 3, replicatedInPeriod: 1 });
  });

  it('costs the same number of statements for 5 or 50 organisations', async () => {
    const parent = await t.seed.organisation();
    for (let i = 0; i < 50; i += 1) await t.seed.organisation({ parentId: parent.id });
    const q = `query($p: ID!, $n: Int!) { organisations(first: $n, filter: { parentId: $p }) { edges { node { summary(period: "2023-H1") { totalModels } } } } }`;
    const small = await t.server.gql(q, { p: parent.id, n: 5 });
    const large = await t.server.gql(q, { p: parent.id, n: 50 });
    expect(large.data.organisations.edges).toHaveLength(50);
    expect(large.extensions?.sqlStatements).toBe(small.extensions?.sqlStatements);
    expect(large.extensions?.sqlStatements).toBeLessThanOrEqual(3);
  });

  it('refuses an unknown period with NOT_FOUND on the period figures, keeping the rest of the page', async () => {
    const res = await t.server.gql(`{ organisations(first: 1) { edges { node { id summary(period: "1999-H9") { totalModels startedInPeriod } } } } }`);
    expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(res.errors?.[0].path).toEqual(['organisations', 'edges', 0, 'node', 'summary', 'startedInPeriod']);
    expect(res.data.organisations.edges[0].node.summary.totalModels).toEqual(expect.any(Number));
  });
});
