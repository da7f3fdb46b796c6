import { useTestServer } from '../helpers/seed';

const t = useTestServer();

/** A city with two wards; models run at every level; one archived; replications dated in 2023-H1. */
async function city() {
  const root = await t.seed.organisation({ kind: 'CITY' });
  const wardA = await t.seed.organisation({ kind: 'WARD', parentId: root.id });
  const wardB = await t.seed.organisation({ kind: 'WARD', parentId: root.id });
  const cityModel = await t.seed.model({ leadOrganisationId: root.id, startedOn: '2023-01-10', domain: 'CULTURE_SOCIETY' });
  const a1 = await t.seed.model({ leadOrganisationId: wardA.id, startedOn: '2023-02-01' });
  const b1 = await t.seed.model({ leadOrganisationId: wardB.id, startedOn: '2023-03-01', domain: 'SECURITY_DEFENCE' });
  const archived = await t.seed.model({ leadOrganisationId: wardA.id, startedOn: '2023-04-01' });
  const replica = await t.seed.replicate(cityModel.id, wardB.id, '2023-05-01');
  const archivedReplica = await t.seed.replicate(a1.id, wardB.id, '2023-05-02');
  for (const m of [archived, { id: archivedReplica.target.id, version: 1 }]) {
    await t.server.ok(`mutation($i: ArchiveModelInput!) { archiveModel(input: $i) { id } }`, { i: { id: m.id, version: m.version } });
  }
  return { root, wardA, wardB, cityModel, a1, b1, replica };
}

describe('one meaning, one default', () => {
  it('Organisation.models and Organisation.summary count the same set by default: the subtree', async () => {
    const c = await city();
    const data = await t.server.ok(
      `query($id: ID!) { organisation(id: $id) {
      summary { totalModels } models { totalCount }
      alone: summary(includeDescendants: false) { totalModels } aloneModels: models(includeDescendants: false) { totalCount } } }`,
      { id: c.root.id },
    );
    // city model, a1, b1 and the live replica; the archived ones are in neither
    expect(data.organisation).toEqual({ summary: { totalModels: 4 }, models: { totalCount: 4 }, alone: { totalModels: 1 }, aloneModels: { totalCount: 1 } });
    // Query.models with filter.organisationId has the same default
    const q = await t.server.ok(
      `query($id: ID!) { models(filter: { organisationId: $id }) { totalCount } summary(filter: { organisationId: $id }) { totalModels } }`,
      { id: c.root.id },
    );
    expect(q).toEqual({ models: { totalCount: 4 }, summary: { totalModels: 4 } });
  });

  it("inside Organisation.models, filter.organisationId narrows the organisation's set", async () => {
    const c = await city();
    const other = await t.seed.organisation({ kind: 'CITY' });
    const q = `query($city: ID!, $org: ID!, $sub: Boolean!) { organisation(id: $city) { models(filter: { organisationId: $org, includeDescendants: $sub }) { edges { node { id } } } } }`;
    const ids = async (org: string, sub = true) =>
      (await t.server.ok(q, { city: c.root.id, org, sub })).organisation.models.edges.map((e: any) => e.node.id).sort();
    expect(await ids(c.wardA.id)).toEqual([c.a1.id]);
    expect(await ids(c.wardB.id)).toEqual([c.b1.id, c.replica.target.id].sort());
    expect(await ids(c.root.id, false)).toEqual([c.cityModel.id]);
    expect(await ids(other.id)).toEqual([]);
    // and inside a ward's own list, only what the ward has
    const inWard = await t.server.ok(
      `query($w: ID!, $org: ID!) { organisation(id: $w) { models(includeDescendants: false, filter: { organisationId: $org }) { totalCount } } }`,
      { w: c.wardA.id, org: c.root.id },
    );
    expect(inWard.organisation.models.totalCount).toBe(1);
  });

  it('archived models count in byStatus only: totalModels, startedInPeriod and replicatedInPeriod agree', async () => {
    const c = await city();
    const q = `query($id: ID!, $all: [Domain!]) {
      o: organisation(id: $id) { summary(period: "2023-H1") { totalModels startedInPeriod replicatedInPeriod byStatus { status count } } }
      g: summary(period: "2023-H1", filter: { organisationId: $id, domain: $all }) { totalModels startedInPeriod replicatedInPeriod } }`;
    const data = await t.server.ok(q, { id: c.root.id, all: ['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM'] });
    // started in 2023-H1: city model, a1, b1 and the live replica (started on its replication date); archived left out
    expect(data.o.summary).toMatchObject({ totalModels: 4, startedInPeriod: 4, replicatedInPeriod: 1 });
    expect(data.o.summary.byStatus.find((s: any) => s.status === 'ARCHIVED').count).toBe(2);
    expect(data.g).toEqual({ totalModels: 4, startedInPeriod: 4, replicatedInPeriod: 1 });
  });

  it('an unknown summary period is a NOT_FOUND error on the period figures alone; the organisation and its other figures still answer', async () => {
    const c = await city();
    const res = await t.server.gql(
      `query($id: ID!) { organisation(id: $id) { name summary(period: "1999-H9") { totalModels startedInPeriod replicatedInPeriod } } }`,
      { id: c.root.id },
    );
    expect(res.data.organisation).toEqual({ name: c.root.name, summary: { totalModels: 4, startedInPeriod: null, replicatedInPeriod: null } });
    expect(res.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.argument])).toEqual([
      ['organisation.summary.startedInPeriod', 'NOT_FOUND', 'period'],
      ['organisation.summary.replicatedInPeriod', 'NOT_FOUND', 'period'],
    ]);
    const q = await t.server.gql(`{ summary(period: "1999-H9") { totalModels startedInPeriod } }`);
    expect(q.data.summary.totalModels).toBeGreaterThan(0);
    expect(q.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['summary.startedInPeriod', 'NOT_FOUND']]);
  });

  it('an unknown period in a model filter is NOT_FOUND, not an empty list', async () => {
    const c = await city();
    for (const query of [
      `{ models(filter: { period: "1999-H9" }) { totalCount } }`,
      `{ summary(filter: { period: "1999-H9" }) { totalModels } }`,
      `query($id: ID!) { organisation(id: $id) { models(filter: { period: "1999-H9" }) { totalCount } } }`,
      `query($id: ID!) { model(id: $id) { replicas(filter: { period: "1999-H9" }) { totalCount } } }`,
    ]) {
      const res = await t.server.gql(query, query.includes('$id') ? { id: query.includes('model(') ? c.cityModel.id : c.root.id } : undefined);
      expect({ query, errors: res.errors?.map((e) => [e.extensions?.code, e.extensions?.argument]) }).toEqual({
        query,
        errors: [['NOT_FOUND', 'filter.period']],
      });
    }
    const known = await t.server.ok(`{ models(filter: { period: "2023-H1" }) { totalCount } }`);
    expect(known.models.totalCount).toBeGreaterThanOrEqual(0);
  });

  it('per-domain report figures come as byDomain; the named fields are deprecated and still answer', async () => {
    const org = await t.seed.organisation();
    await t.server.ok(`mutation($input: RecordPeriodReportInput!) { recordPeriodReport(input: $input) { version } }`, {
      input: { organisationId: org.id, period: '2023-H1', total: 10, economy: 4, cultureSociety: 3, securityDefence: 2 },
    });
    const data = await t.server.ok(`query($id: ID!) { organisation(id: $id) { reports { reported { economy byDomain { domain count } } } } }`, { id: org.id });
    expect(data.organisation.reports[0].reported).toEqual({
      economy: 4,
      byDomain: [
        { domain: 'ECONOMY', count: 4 },
        { domain: 'CULTURE_SOCIETY', count: 3 },
        { domain: 'SECURITY_DEFENCE', count: 2 },
        { domain: 'POLITICAL_SYSTEM', count: null },
      ],
    });
    const type = await t.server.ok(`{ __type(name: "DomainFigures") { fields(includeDeprecated: true) { name isDeprecated } } }`);
    expect(
      type.__type.fields
        .filter((f: any) => f.isDeprecated)
        .map((f: any) => f.name)
        .sort(),
    ).toEqual(['cultureSociety', 'economy', 'politicalSystem', 'securityDefence']);
  });
});

describe('replicationLinks: filters and order', () => {
  it('by target model, organisation on either side (subtree or alone), domain and date range; ordered by either date', async () => {
    const c = await city();
    const ids = async (filter: Record<string, unknown>, orderBy?: Record<string, unknown>) => {
      const data = await t.server.ok(
        `query($f: ReplicationLinkFilter, $o: ReplicationLinkOrder) { replicationLinks(first: 50, filter: $f, orderBy: $o) { totalCount edges { node { id replicatedOn } } } }`,
        { f: filter, o: orderBy },
      );
      expect(data.replicationLinks.totalCount).toBe(data.replicationLinks.edges.length);
      return data.replicationLinks.edges.map((e: any) => e.node.id);
    };
    const all = await ids({ organisationId: c.root.id });
    expect(all).toHaveLength(2);
    const [toCity] = await ids({ targetModelId: c.replica.target.id });
    expect(toCity).toBe(c.replica.id);
    expect(await ids({ organisationId: c.wardA.id })).toHaveLength(1); // a1's replication, from ward A's side
    expect(await ids({ organisationId: c.root.id, includeDescendants: false })).toEqual([c.replica.id]); // the city's own model as the source
    expect(await ids({ organisationId: c.root.id, domain: ['CULTURE_SOCIETY'] })).toEqual([c.replica.id]);
    expect(await ids({ organisationId: c.root.id, replicatedSince: '2023-05-02' })).toHaveLength(1);
    // the deprecated names still filter, and the two names of one bound must agree
    expect(await ids({ organisationId: c.root.id, replicatedFrom: '2023-05-02' })).toEqual(
      await ids({ organisationId: c.root.id, replicatedSince: '2023-05-02' }),
    );
    expect(await ids({ organisationId: c.root.id, replicatedTo: '2023-05-01' })).toEqual([c.replica.id]);
    const clash = await t.server.gql(`{ replicationLinks(filter: { replicatedFrom: "2023-01-01", replicatedSince: "2023-02-01" }) { totalCount } }`);
    expect(clash.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // order by replication date both ways, and page through it with cursors
    const asc = await ids({ organisationId: c.root.id }, { field: 'REPLICATED_ON', direction: 'ASC' });
    const desc = await ids({ organisationId: c.root.id }, { field: 'REPLICATED_ON', direction: 'DESC' });
    expect(asc).toEqual([c.replica.id, all.find((id: string) => id !== c.replica.id)]);
    expect(desc).toEqual([...asc].reverse());
    const page = await t.server.ok(
      `query($id: ID!) { replicationLinks(first: 1, filter: { organisationId: $id }, orderBy: { field: REPLICATED_ON, direction: ASC }) { pageInfo { endCursor } } }`,
      { id: c.root.id },
    );
    const next = await t.server.ok(
      `query($id: ID!, $after: String) { replicationLinks(first: 1, after: $after, filter: { organisationId: $id }, orderBy: { field: REPLICATED_ON, direction: ASC }) { edges { node { id } } } }`,
      { id: c.root.id, after: page.replicationLinks.pageInfo.endCursor },
    );
    expect(next.replicationLinks.edges.map((e: any) => e.node.id)).toEqual([asc[1]]);
    // a cursor of one order is refused by another
    const wrong = await t.server.gql(`query($after: String) { replicationLinks(first: 1, after: $after) { totalCount } }`, {
      after: page.replicationLinks.pageInfo.endCursor,
    });
    expect(wrong.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
