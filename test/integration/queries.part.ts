import { MODEL_SELECT, modelListQuery } from '../../src/models/model.sql';
import { createHash } from 'node:crypto';
import { pageRequest, ROWS_PER_VALUE, runPage } from '../../src/shared/pagination';
import { insertReplicatedModels, useTestServer } from '../helpers/seed';
import { uniqueName } from '../helpers/server';

const t = useTestServer();

const MODEL_PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $filter: ModelFilter, $orderBy: ModelOrder) {
  models(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name replicaCount startedOn } } } }`;

describe('model lists', () => {
  it('pages forwards and backwards over a unique, stable ordering', async () => {
    // Arrange: 7 models in a fresh organisation
    const org = await t.seed.organisation();
    for (let i = 0; i < 7; i += 1) await t.seed.model({ leadOrganisationId: org.id, name: uniqueName(`Trang ${i}`) });
    const filter = { organisationId: org.id };
    // Act: walk forwards 3 at a time, then backwards from the end
    const forward: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const data: any = await t.server.ok(MODEL_PAGE, { first: 3, after, filter });
      forward.push(...data.models.edges.map((e: any) => e.node.id));
      expect(data.models.totalCount).toBe(7);
      pages += 1;
      if (!data.models.pageInfo.hasNextPage) break;
      after = data.models.pageInfo.endCursor;
    }
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const data: any = await t.server.ok(MODEL_PAGE, { last: 3, before, filter });
      backward.unshift(...data.models.edges.map((e: any) => e.node.id));
      if (!data.models.pageInfo.hasPreviousPage) break;
      before = data.models.pageInfo.startCursor;
    }
    // Assert
    expect(pages).toBe(3);
    expect(new Set(forward).size).toBe(7);
    expect(backward).toEqual(forward);
  });

  it('orders by replica count and by start date (unknown dates last), ties broken by id', async () => {
    const org = await t.seed.organisation();
    const target = await t.seed.organisation();
    const a = await t.seed.model({ leadOrganisationId: org.id, startedOn: '2022-05-01' });
    const b = await t.seed.model({ leadOrganisationId: org.id, startedOn: '2021-01-01' });
    const c = await t.seed.model({ leadOrganisationId: org.id });
    await t.seed.replicate(b.id, target.id);
    const byReplicas = await t.server.ok(MODEL_PAGE, { first: 10, filter: { organisationId: org.id }, orderBy: { field: 'REPLICA_COUNT', direction: 'DESC' } });
    expect(byReplicas.models.edges[0].node.id).toBe(b.id);
    const byStart = await t.server.ok(MODEL_PAGE, { first: 10, filter: { organisationId: org.id }, orderBy: { field: 'STARTED_ON', direction: 'ASC' } });
    expect(byStart.models.edges.map((e: any) => e.node.id)).toEqual([b.id, a.id, c.id]);
    // a cursor taken in the middle continues the same ordering
    const first = await t.server.ok(MODEL_PAGE, { first: 1, filter: { organisationId: org.id }, orderBy: { field: 'STARTED_ON', direction: 'ASC' } });
    const rest = await t.server.ok(MODEL_PAGE, {
      first: 10,
      after: first.models.pageInfo.endCursor,
      filter: { organisationId: org.id },
      orderBy: { field: 'STARTED_ON', direction: 'ASC' },
    });
    expect(rest.models.edges.map((e: any) => e.node.id)).toEqual([a.id, c.id]);
  });

  it('filters by domain, status, period, date range and organisation subtree', async () => {
    const parent = await t.seed.organisation({ kind: 'WARD' });
    const child = await t.seed.organisation({ parentId: parent.id });
    const inParent = await t.seed.model({ leadOrganisationId: parent.id, domain: 'ECONOMY', startedOn: '2023-02-01', recognisedPeriod: '2023-H1' });
    const inChild = await t.seed.model({ leadOrganisationId: child.id, domain: 'SECURITY_DEFENCE', status: 'PILOT', startedOn: '2023-09-01' });
    const ids = async (filter: object) => (await t.server.ok(MODEL_PAGE, { first: 50, filter })).models.edges.map((e: any) => e.node.id).sort();

    // The subtree by default (as Organisation.summary and the change filters count); false for the organisation alone
    expect(await ids({ organisationId: parent.id })).toEqual([inParent.id, inChild.id].sort());
    expect(await ids({ organisationId: parent.id, includeDescendants: false })).toEqual([inParent.id]);
    expect(await ids({ organisationId: parent.id, includeDescendants: true })).toEqual([inParent.id, inChild.id].sort());
    expect(await ids({ organisationId: parent.id, includeDescendants: true, domain: ['SECURITY_DEFENCE'] })).toEqual([inChild.id]);
    expect(await ids({ organisationId: parent.id, includeDescendants: true, status: ['PILOT'] })).toEqual([inChild.id]);
    expect(await ids({ organisationId: parent.id, includeDescendants: true, period: '2023-H1' })).toEqual([inParent.id]);
    expect(await ids({ organisationId: parent.id, includeDescendants: true, startedFrom: '2023-06-01', startedTo: '2023-12-31' })).toEqual([inChild.id]);
  });

  it('search ignores Vietnamese diacritics and đ, on models and organisations', async () => {
    const models = await t.server.ok(`{ models(first: 10, filter: { search: "phan loai rac" }) { edges { node { name } } } }`);
    expect(models.models.edges.map((e: any) => e.node.name)).toEqual(expect.arrayContaining(['Phân loại rác', 'Thu gom, phân loại rác']));
    const orgs = await t.server.ok(`{ organisations(first: 10, filter: { search: "doan thanh nien" }) { edges { node { name } } } }`);
    expect(orgs.organisations.edges.map((e: any) => e.node.name.normalize('NFC'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Đoàn thanh niên/i)]),
    );
    const upper = await t.server.ok(`{ models(first: 10, filter: { search: "PHÂN LOẠI RÁC" }) { totalCount } }`);
    expect(upper.models.totalCount).toBeGreaterThanOrEqual(2);
  });

  it('the search uses the trigram index', async () => {
    // The demo table is tiny, so the planner would scan it: forbid scans (and the btree on the
    // same column, dropped inside a transaction that is rolled back) to see the index qualifies.
    let text = '';
    const runner = t.server.db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query('SET LOCAL enable_seqscan = off');
      await runner.query('DROP INDEX model_name_order_idx');
      const plan: Array<{ 'QUERY PLAN': string }> = await runner.query(`EXPLAIN SELECT id FROM model m WHERE m.search_name LIKE '%phan loai%'`);
      text = plan.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(text).toContain('model_search_trgm_idx');
  });
});

describe('organisation graph', () => {
  it('serves parent, children, ancestors and the models of an organisation', async () => {
    const root = await t.seed.organisation({ kind: 'CITY' });
    const ward = await t.seed.organisation({ kind: 'WARD', parentId: root.id });
    const union = await t.seed.organisation({ kind: 'MASS_ORGANISATION', parentId: ward.id });
    const model = await t.seed.model({ leadOrganisationId: union.id, partnerOrganisationIds: [ward.id] });
    const data = await t.server.ok(
      `query($id: ID!) { organisation(id: $id) {
        name parent { id } ancestors { id } children(first: 5) { totalCount edges { node { id } } }
        models(first: 5) { totalCount edges { node { id organisations { role organisation { id } } } } } } }`,
      { id: union.id },
    );
    const o = data.organisation;
    expect(o.parent.id).toBe(ward.id);
    expect(o.ancestors.map((a: any) => a.id)).toEqual([root.id, ward.id]);
    expect(o.children.totalCount).toBe(0);
    expect(o.models.edges[0].node.id).toBe(model.id);
    expect(o.models.edges[0].node.organisations).toEqual([
      { role: 'LEAD', organisation: { id: union.id } },
      { role: 'PARTNER', organisation: { id: ward.id } },
    ]);
    const rootData = await t.server.ok(
      `query($id: ID!) { organisation(id: $id) { children(first: 5) { totalCount } models(first: 5, includeDescendants: true) { totalCount } } }`,
      { id: root.id },
    );
    expect(rootData.organisation.children.totalCount).toBe(1);
    expect(rootData.organisation.models.totalCount).toBe(1);
  });

  it('gives each parent its totalCount from the page statement, also when the page is empty', async () => {
    // Arrange: two organisations, one with three models, one with none
    const busy = await t.seed.organisation();
    const idle = await t.seed.organisation();
    for (let i = 0; i < 3; i += 1) await t.seed.model({ leadOrganisationId: busy.id });
    const page = `query($id: ID!, $after: String) { organisation(id: $id) { models(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    // Act
    const p1 = await t.server.ok(page, { id: busy.id });
    const p2 = await t.server.ok(page, { id: busy.id, after: p1.organisation.models.pageInfo.endCursor });
    const p3 = await t.server.ok(page, { id: busy.id, after: p2.organisation.models.pageInfo.endCursor });
    const none = await t.server.ok(page, { id: idle.id });
    // Assert
    expect([p1, p2, p3].map((p) => [p.organisation.models.totalCount, p.organisation.models.edges.length])).toEqual([
      [3, 2],
      [3, 1],
      [3, 0],
    ]);
    expect(none.organisation.models).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('lookups of something absent return null', async () => {
    const data = await t.server.ok(
      `{ organisation(id: "00000000-0000-4000-8000-000000000000") { id } model(id: "nope") { id } replicationLink(id: "00000000-0000-4000-8000-000000000000") { id } }`,
    );
    expect(data).toEqual({ organisation: null, model: null, replicationLink: null });
  });

  it('gives a page the same rows as reading their columns: the same keys, values and types (Dates for timestamps)', async () => {
    // Arrange: an organisation running two models, one with a name that needs escaping in JSON
    const org = await t.seed.organisation({ kind: 'WARD' });
    const named = await t.seed.model({ leadOrganisationId: org.id, name: `Tổ "Dân vận" \\ ${uniqueName('json')}` });
    const other = await t.seed.model({ leadOrganisationId: org.id });
    const manager = t.server.db.dataSource.manager;

    // Act: the page as runPage reads it (JSON values of rows as arrays), and each row as columns
    const [page] = await runPage<Record<string, unknown>>(
      manager,
      modelListQuery({ organisationId: org.id, includeDescendants: false, includeArchived: false } as never, null),
      pageRequest({ first: 10 }, 'model:NAME', 20, 100),
      false,
      false,
    );
    const asColumns = await manager.query(`SELECT ${MODEL_SELECT} FROM model m WHERE m.id = ANY($1::uuid[])`, [[named.id, other.id]]);

    // Assert: the same objects, with the timestamps as Dates
    const nodes = page.edges.map((e) => e.node);
    expect(nodes.map((n) => n.id).sort()).toEqual([named.id, other.id].sort());
    for (const node of nodes) {
      expect(node.createdAt).toBeInstanceOf(Date);
      expect(node).toEqual(asColumns.find((r: { id: string }) => r.id === node.id));
    }
  });

  it('reads a page whose select list names a column without quotes as JSON objects, the same rows as arrays give', async () => {
    // Arrange: two models; the same page with every alias quoted (rows as arrays) and with one not (rows as objects)
    const org = await t.seed.organisation({ kind: 'WARD' });
    await t.seed.model({ leadOrganisationId: org.id });
    await t.seed.model({ leadOrganisationId: org.id, name: `Tổ "Dân vận" ${uniqueName('json')}` });
    const manager = t.server.db.dataSource.manager;
    const query = (select: string) => ({ ...modelListQuery({ organisationId: org.id, includeDescendants: false } as never, null), select });

    // Act
    const read = async (select: string) =>
      (await runPage<Record<string, unknown>>(manager, query(select), pageRequest({ first: 10 }, 'model:NAME', 20, 100), true))[0];
    const asArrays = await read('m.id AS "id", m.name AS "name", m.created_at AS "createdAt"');
    const asObjects = await read('m.id AS "id", m.name AS "name", m.created_at AS createdAt');

    // Assert: the same nodes in the same order (the unquoted alias folds to lower case, as PostgreSQL names
    // it, so it stays the JSON string a timestamp is: the same instant)
    expect(asArrays.totalCount).toBe(2);
    expect(asArrays.edges.map((e) => e.node.createdAt)).toEqual([expect.any(Date), expect.any(Date)]);
    expect(asObjects.edges.map((e) => ({ id: e.node.id, name: e.node.name, at: new Date(e.node.createdat as string).toISOString() }))).toEqual(
      asArrays.edges.map((e) => ({ id: e.node.id, name: e.node.name, at: (e.node.createdAt as Date).toISOString() })),
    );
  });

  it('keeps a page in its order across the JSON values it is read in, and reads a page of no row as empty', async () => {
    // Arrange: a ward whose one organisation leads more models than two JSON values hold (Vietnamese names)
    const ward = await t.seed.organisation({ kind: 'WARD' });
    // One organisation: it leads each model and, round the list of one, each model's replica too.
    const { organisationIds } = await insertReplicatedModels(t.server.db.dataSource, { parentId: ward.id, organisations: 1, modelsEach: ROWS_PER_VALUE + 2 });
    const manager = t.server.db.dataSource.manager;
    const expected = await manager.query(
      `SELECT m.id, m.name FROM model m JOIN model_organisation mo ON mo.model_id = m.id
        WHERE mo.organisation_id = $1 AND mo.role = 'LEAD' ORDER BY m.search_name COLLATE "C", m.id`,
      [organisationIds[0]],
    );
    const page = `query($id: ID!, $after: String) { organisation(id: $id) { models(first: 100, after: $after, includeDescendants: false) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { id name } } } } }`;

    // Act: the first page (100 rows: three JSON values), the rest after its cursor, and an organisation of no model
    const first = await t.server.ok(page, { id: organisationIds[0] });
    const rest = await t.server.ok(page, { id: organisationIds[0], after: first.organisation.models.pageInfo.endCursor });
    const none = await t.server.ok(page, { id: ward.id });

    // Assert: every model once, in the order the database sorts them, names intact
    const count = expected.length;
    expect(count).toBeGreaterThan(2 * ROWS_PER_VALUE);
    const read = [...first.organisation.models.edges, ...rest.organisation.models.edges].map((e: any) => e.node);
    expect(read).toEqual(expected);
    expect([first.organisation.models.totalCount, first.organisation.models.edges.length, first.organisation.models.pageInfo.hasNextPage]).toEqual([
      count,
      100,
      true,
    ]);
    expect(rest.organisation.models.pageInfo.hasNextPage).toBe(false);
    expect(none.organisation.models).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('reads long text the database holds byte for byte: Vietnamese, characters beyond the BMP and plain ASCII', async () => {
    // Arrange: texts longer than node-postgres's long-text threshold (patches/pg-protocol), each with PostgreSQL's md5 of its UTF-8
    const texts = ['Tổ dân phố Đồng Xoài — “Dân vận khéo” ', 'Ấp 😀 𝕏 ', 'plain ascii 0123456789 '].map((unit) => unit.repeat(300));
    const manager = t.server.db.dataSource.manager;

    // Act
    const rows: Array<{ t: string; md5: string }> = await manager.query(
      `SELECT x.t, md5(x.t) AS md5 FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n) ORDER BY x.n`,
      [texts],
    );

    // Assert: the strings sent, and the bytes PostgreSQL hashed
    expect(rows.map((r) => r.t)).toEqual(texts);
    for (const row of rows) expect(createHash('md5').update(row.t, 'utf8').digest('hex')).toBe(row.md5);
  });

  it('reads timestamps in lists and lead organisations only when asked, and then the same as a direct read', async () => {
    // Arrange: a city with a ward; a model in the ward, replicated to the city
    const city = await t.seed.organisation({ kind: 'CITY' });
    const ward = await t.seed.organisation({ kind: 'WARD', parentId: city.id });
    const source = await t.seed.model({ leadOrganisationId: ward.id });
    await t.seed.replicate(source.id, city.id);
    const TIMES = 'createdAt updatedAt';
    const direct = async (modelId: string) =>
      (await t.server.ok(`query($id: ID!) { model(id: $id) { id ${TIMES} leadOrganisation { id ${TIMES} archivedAt } } }`, { id: modelId })).model;

    // Act: the same lists asked with timestamps (one through a fragment, one inline) and without
    const asked = await t.server.ok(
      `query($id: ID!) { organisations(first: 5, filter: { withinId: $id }) { edges { node { id ${TIMES} archivedAt
          models(first: 5) { edges { node { ...Times leadOrganisation { ... on Organisation { id ${TIMES} archivedAt } }
            replicas(first: 5) { edges { node { ...Times leadOrganisation { id name } } } } } } } } } } }
       fragment Times on Model { id ${TIMES} }`,
      { id: city.id },
    );
    const silent = await t.server.ok(
      `query($id: ID!) { organisations(first: 5, filter: { withinId: $id }) { edges { node { id name
          models(first: 5) { edges { node { id name leadOrganisation { id name } replicas(first: 5) { edges { node { id name } } } } } } } } } }`,
      { id: city.id },
    );

    // Assert: every timestamp asked for is there and equals the direct read
    const wardNode = asked.organisations.edges[0].node;
    expect(wardNode).toMatchObject({ id: ward.id, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), archivedAt: null });
    const [modelEdge] = wardNode.models.edges;
    const sourceDirect = await direct(source.id);
    expect(modelEdge.node).toEqual({ ...sourceDirect, replicas: modelEdge.node.replicas });
    const replica = modelEdge.node.replicas.edges[0].node;
    const replicaDirect = await direct(replica.id);
    expect(replica).toEqual({
      id: replicaDirect.id,
      createdAt: replicaDirect.createdAt,
      updatedAt: replicaDirect.updatedAt,
      leadOrganisation: { id: city.id, name: expect.any(String) },
    });
    expect(silent.organisations.edges[0].node.models.edges[0].node).toMatchObject({ id: source.id, leadOrganisation: { id: ward.id } });
  });
});
