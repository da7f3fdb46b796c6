import { useTestServer } from '../helpers/seed';
import { Role } from '../../src/shared/actor';

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

const FIGURES = 'totalModels byDomain { domain count } byStatus { status count } startedInPeriod replicatedInPeriod organisationsInvolved';

describe('Organisation.summary brought by the organisation page', () => {
  it('equals the loader’s figures (organisation, node) after random writes, for every caller, in the page’s one statement', async () => {
    // Arrange: a private tree T{R{A{A1,A2},B{B1}},C} and a leaf X to archive, then random writes
    const org = async (parentId: string, kind = 'OTHER') => t.seed.organisation({ parentId, kind });
    const T = await t.seed.organisation({ kind: 'CITY' });
    const R = await org(T.id, 'WARD');
    const [A, B, C] = [await org(R.id), await org(R.id), await org(T.id)];
    const [A1, A2, B1, X] = [await org(A.id), await org(A.id), await org(B.id), await org(C.id)];
    const orgs = [T, R, A, B, C, A1, A2, B1, X];
    let seed = 20261201;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <V>(list: readonly V[]): V => list[Math.floor(next() * list.length)];
    const domains = ['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM'];
    const models: Array<{ id: string; version: number }> = [];
    for (let step = 0; step < 60; step += 1) {
      const roll = models.length < 5 ? 0 : next();
      if (roll < 0.45) {
        const lead = pick(orgs).id;
        const partner = pick(orgs).id;
        const m = await t.seed.model({
          leadOrganisationId: lead,
          partnerOrganisationIds: partner === lead || next() < 0.5 ? [] : [partner],
          domain: pick(domains),
          status: pick(['PILOT', 'ACTIVE', 'SUSPENDED']),
          startedOn: next() < 0.5 ? '2023-03-01' : undefined,
        });
        models.push(m);
      } else if (roll < 0.7) {
        const m = pick(models);
        const res = await t.server.gql(`mutation($i: UpdateModelInput!) { updateModel(input: $i) { version } }`, {
          i: {
            id: m.id,
            version: m.version,
            domain: pick(domains),
            status: pick(['PILOT', 'ACTIVE', 'SUSPENDED', 'ARCHIVED']),
            leadOrganisationId: pick(orgs).id,
          },
        });
        // A partner named lead, or an archived model changed: refused, and nothing moves.
        if (res.data?.updateModel) m.version = res.data.updateModel.version;
      } else if (roll < 0.85) {
        const m = pick(models);
        const res = await t.server.gql(`mutation($i: ArchiveModelInput!) { archiveModel(input: $i) { version } }`, { i: { id: m.id, version: m.version } });
        if (res.data?.archiveModel) m.version = res.data.archiveModel.version;
      } else {
        await t.server.gql(
          `mutation($s: ID!, $o: ID!) { replicateModel(input: { sourceModelId: $s, targetOrganisationId: $o, replicatedOn: "2023-04-01" }) { id } }`,
          {
            s: pick(models).id,
            o: pick([T, R, A, A1, B1]).id,
          },
        );
      }
    }
    // Subtrees move (A1 under B, then B under A) and X, which runs models, is archived.
    const version = async (id: string) => (await t.server.ok(`query($id: ID!) { organisation(id: $id) { version } }`, { id })).organisation.version;
    await t.server.ok(`mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { id } }`, {
      i: { id: A1.id, version: await version(A1.id), parentId: B.id },
    });
    await t.server.ok(`mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { id } }`, {
      i: { id: B.id, version: await version(B.id), parentId: A.id },
    });
    await t.seed.model({ leadOrganisationId: X.id, domain: 'ECONOMY' });
    await t.server.ok(`mutation($i: ArchiveOrganisationInput) { archiveOrganisation(input: $i) { id } }`, { i: { id: X.id, version: await version(X.id) } });

    // The loader's figures: by organisation(id) and node(id), both keys.
    const lookups = orgs
      .map(
        (o, i) => `o${i}: organisation(id: "${o.id}") { s: summary { ${FIGURES} } d: summary(includeDescendants: false) { ${FIGURES} } }
          n${i}: node(id: "${o.id}") { ... on Organisation { s: summary { ${FIGURES} } } }`,
      )
      .join('\n');
    const loaded = await t.server.ok(`{ ${lookups} }`);
    const expected = (subtree: boolean) => Object.fromEntries(orgs.map((o, i) => [o.id, loaded[`o${i}`][subtree ? 's' : 'd']]));
    orgs.forEach((_, i) => expect(loaded[`n${i}`].s).toEqual(loaded[`o${i}`].s));
    expect(loaded.o0.s.totalModels).toBeGreaterThan(0);
    expect(loaded.o0.s.byStatus.find((s: any) => s.status === 'ARCHIVED').count).toBeGreaterThan(0);

    // Act and assert: the page's figures, for each key and selection, from every kind of caller.
    const callers: Array<Record<string, string>> = [
      {},
      { authorization: '' },
      { authorization: `Bearer ${await t.server.token({ sub: 'v', role: Role.VIEWER })}` },
      { authorization: `Bearer ${await t.server.token({ sub: 'p', role: Role.PARTNER })}` },
      { authorization: `Bearer ${await t.server.token({ sub: 'e', role: Role.EDITOR, org: B.id })}` },
    ];
    const pages = [
      { summary: `summary { ${FIGURES} }`, subtree: true, statements: 1 },
      {
        summary: `summary(includeDescendants: false, period: null) { totalModels byDomain { domain count } byStatus { status count } }`,
        subtree: false,
        statements: 1,
      },
      // Through a fragment, without organisationsInvolved.
      {
        summary: `...F`,
        fragment: `fragment F on Organisation { summary(includeDescendants: true) { totalModels byStatus { status count } } }`,
        subtree: true,
        statements: 1,
      },
      // Arguments the page does not serve: the loader: one more statement.
      { summary: `summary(includeDescendants: $d) { ${FIGURES} }`, variables: { d: false }, subtree: false, statements: 2 },
      { summary: `summary(period: "2023-H1") { totalModels startedInPeriod }`, subtree: true, period: true, statements: 2 },
    ];
    for (const page of pages) {
      const query = `query($t: ID!${page.variables ? ', $d: Boolean!' : ''}) {
        organisations(first: 50, filter: { withinId: $t, includeArchived: true }) { edges { node { id ${page.summary} } } } } ${page.fragment ?? ''}`;
      for (const headers of callers) {
        const res = await t.server.gql(query, { t: T.id, ...page.variables }, headers);
        expect(res.errors).toBeUndefined();
        const nodes: Array<{ id: string; summary: any }> = res.data.organisations.edges.map((e: any) => e.node);
        expect(nodes.map((n) => n.id).sort()).toEqual(
          orgs
            .slice(1)
            .map((o) => o.id)
            .sort(),
        );
        for (const node of nodes) {
          const want = expected(page.subtree)[node.id];
          const shown = page.period ? { totalModels: want.totalModels } : Object.fromEntries(Object.keys(node.summary).map((k) => [k, want[k]]));
          expect({ id: node.id, summary: page.period ? { totalModels: node.summary.totalModels } : node.summary }).toEqual({ id: node.id, summary: shown });
        }
        expect({ page: page.summary, statements: res.extensions?.sqlStatements }).toEqual({ page: page.summary, statements: page.statements });
      }
    }
  });
});
