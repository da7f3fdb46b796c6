import { loadConfig } from '../../src/shared/config';
import { useTestServer } from '../helpers/seed';
import { uniqueName } from '../helpers/server';

const t = useTestServer();

const UPDATE_MODEL = `mutation($input: UpdateModelInput!) { updateModel(input: $input) { id name version status } }`;
const LINK = `mutation($input: LinkModelsInput!) { linkModels(input: $input) { id source { id } target { id } } }`;

async function eventsFor(entityId: string): Promise<Array<{ type: string; actor: string }>> {
  return t.server.db.dataSource.query(`SELECT type, actor FROM change_event WHERE entity_id = $1 ORDER BY id`, [entityId]);
}

describe('organisations and models', () => {
  it('creates, updates with the current version and archives, logging each change', async () => {
    const org = await t.seed.organisation({ kind: 'WARD' });
    const model = await t.seed.model({ leadOrganisationId: org.id, name: 'Mô hình thử' });
    const updated = await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: model.version, name: 'Mô hình đã sửa', status: 'PILOT' } });
    expect(updated.updateModel).toMatchObject({ name: 'Mô hình đã sửa', version: model.version + 1, status: 'PILOT' });
    const archived = await t.server.ok(`mutation($id: ID!, $v: Int!) { archiveModel(id: $id, version: $v) { status version } }`, {
      id: model.id,
      v: model.version + 1,
    });
    expect(archived.archiveModel).toEqual({ status: 'ARCHIVED', version: model.version + 2 });
    expect((await eventsFor(model.id)).map((e) => e.type)).toEqual(['MODEL_CREATED', 'MODEL_UPDATED', 'MODEL_ARCHIVED']);
    // archived models leave the default list but can be asked for
    const lists = await t.server.ok(
      `query($org: ID!) { hidden: models(filter: { organisationId: $org }) { totalCount } shown: models(filter: { organisationId: $org, includeArchived: true }) { totalCount } }`,
      { org: org.id },
    );
    expect(lists).toEqual({ hidden: { totalCount: 0 }, shown: { totalCount: 1 } });
  });

  it('refuses a stale version with CONFLICT and leaves the row as it was', async () => {
    const org = await t.seed.organisation();
    const model = await t.seed.model({ leadOrganisationId: org.id });
    await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: model.version, name: uniqueName('first edit') } });
    const stale = await t.server.gql(UPDATE_MODEL, { input: { id: model.id, version: model.version, name: 'second edit' } });
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', currentVersion: model.version + 1 });
    const [row] = await t.server.db.dataSource.query('SELECT name, version FROM model WHERE id = $1', [model.id]);
    expect(row.version).toBe(model.version + 1);
    expect(row.name).not.toBe('second edit');
  });

  it('moves an organisation with its subtree and refuses moving it under its own descendant', async () => {
    const a = await t.seed.organisation();
    const b = await t.seed.organisation({ parentId: a.id });
    const c = await t.seed.organisation({ parentId: b.id });
    const other = await t.seed.organisation();
    const moved = await t.server.ok(`mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { version parent { id } } }`, {
      input: { id: b.id, version: b.version, parentId: other.id },
    });
    expect(moved.updateOrganisation.parent.id).toBe(other.id);
    const cData = await t.server.ok(`query($id: ID!) { organisation(id: $id) { ancestors { id } } }`, { id: c.id });
    expect(cData.organisation.ancestors.map((x: any) => x.id).slice(-2)).toEqual([other.id, b.id]);
    const cycle = await t.server.gql(`mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }`, {
      input: { id: other.id, version: other.version, parentId: c.id },
    });
    expect(cycle.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('records a period report once, and replaces it only with the version read', async () => {
    const org = await t.seed.organisation();
    const input = { organisationId: org.id, period: '2023-H1', total: 10, economy: 4, cultureSociety: 3, securityDefence: 2, politicalSystem: 1 };
    const first = await t.server.ok(`mutation($input: RecordPeriodReportInput!) { recordPeriodReport(input: $input) { version reported { total } } }`, {
      input,
    });
    expect(first.recordPeriodReport).toEqual({ version: 1, reported: { total: 10 } });
    const again = await t.server.gql(`mutation($input: RecordPeriodReportInput!) { recordPeriodReport(input: $input) { version } }`, { input });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    const replaced = await t.server.ok(`mutation($input: RecordPeriodReportInput!) { recordPeriodReport(input: $input) { version reported { total } } }`, {
      input: { ...input, total: 11, economy: 5, version: 1 },
    });
    expect(replaced.recordPeriodReport).toEqual({ version: 2, reported: { total: 11 } });
  });
});

describe('replication', () => {
  it('replicateModel creates the replica led by the target organisation and the link, in one step', async () => {
    const city = await t.seed.organisation({ kind: 'CITY' });
    const ward = await t.seed.organisation({ kind: 'WARD', parentId: city.id });
    const union = await t.seed.organisation({ kind: 'MASS_ORGANISATION', parentId: ward.id });
    const source = await t.seed.model({ leadOrganisationId: city.id, domain: 'CULTURE_SOCIETY' });
    const link = await t.seed.replicate(source.id, union.id, '2023-03-15');
    const data = await t.server.ok(
      `query($id: ID!) { model(id: $id) { replicaCount replicas(first: 5) { totalCount edges { node {
        id name domain leadOrganisation { id } locality { id } replicatedFrom { id } sourceLink { replicatedOn } } } } } }`,
      { id: source.id },
    );
    expect(data.model.replicaCount).toBe(1);
    expect(data.model.replicas.totalCount).toBe(1);
    expect(data.model.replicas.edges[0].node).toEqual({
      id: link.target.id,
      name: source.name,
      domain: 'CULTURE_SOCIETY',
      leadOrganisation: { id: union.id },
      locality: { id: ward.id },
      replicatedFrom: { id: source.id },
      sourceLink: { replicatedOn: '2023-03-15' },
    });
  });

  it('refuses self-links, duplicates, a second source and cycles, changing nothing', async () => {
    const org = await t.seed.organisation();
    const [a, b, c] = [
      await t.seed.model({ leadOrganisationId: org.id }),
      await t.seed.model({ leadOrganisationId: org.id }),
      await t.seed.model({ leadOrganisationId: org.id }),
    ];
    await t.server.ok(LINK, { input: { sourceModelId: a.id, targetModelId: b.id } });
    await t.server.ok(LINK, { input: { sourceModelId: b.id, targetModelId: c.id } });
    // Scoped to these models: other test files write to the same database in parallel.
    const ids = [a.id, b.id, c.id];
    const snapshot = () =>
      t.server.db.dataSource.query(
        `SELECT (SELECT count(*) FROM replication_link WHERE source_model_id = ANY($1::uuid[]) OR target_model_id = ANY($1::uuid[])) l,
                (SELECT count(*) FROM change_event WHERE entity_id = ANY($1::uuid[]) OR payload->>'sourceModelId' = ANY($1::text[])) e,
                (SELECT array_agg(replica_count ORDER BY id) FROM model WHERE id = ANY($1::uuid[])) r,
                (SELECT array_agg(version ORDER BY id) FROM model WHERE id = ANY($1::uuid[])) v`,
        [ids],
      );
    const before = await snapshot();
    const attempts: Array<[string, string, string]> = [
      [a.id, a.id, 'BAD_USER_INPUT'],
      [a.id, b.id, 'CONFLICT'],
      [c.id, b.id, 'CONFLICT'],
      [c.id, a.id, 'CONFLICT'],
      ['00000000-0000-4000-8000-000000000001', a.id, 'NOT_FOUND'],
    ];
    for (const [sourceModelId, targetModelId, code] of attempts) {
      const res = await t.server.gql(LINK, { input: { sourceModelId, targetModelId } });
      expect({ sourceModelId, targetModelId, code: res.errors?.[0].extensions?.code }).toEqual({ sourceModelId, targetModelId, code });
    }
    const cycle = await t.server.gql(LINK, { input: { sourceModelId: c.id, targetModelId: a.id } });
    expect(cycle.errors?.[0].message).toMatch(/cycle/);
    expect(await snapshot()).toEqual(before);
  });

  it('two opposite links inserted at the same moment never both land', async () => {
    const org = await t.seed.organisation();
    for (let round = 0; round < 5; round += 1) {
      const x = await t.seed.model({ leadOrganisationId: org.id });
      const y = await t.seed.model({ leadOrganisationId: org.id });
      const results = await Promise.all([
        t.server.gql(LINK, { input: { sourceModelId: x.id, targetModelId: y.id } }),
        t.server.gql(LINK, { input: { sourceModelId: y.id, targetModelId: x.id } }),
      ]);
      const landed = results.filter((r) => !r.errors);
      expect(landed).toHaveLength(1);
      expect(results.find((r) => r.errors)?.errors?.[0].extensions?.code).toBe('CONFLICT');
      const [row] = await t.server.db.dataSource.query(`SELECT count(*)::int n FROM replication_link WHERE source_model_id = ANY($1::uuid[])`, [[x.id, y.id]]);
      expect(row.n).toBe(1);
    }
  });

  it('unlinks, keeping both models and the replica count right', async () => {
    const org = await t.seed.organisation();
    const target = await t.seed.organisation();
    const source = await t.seed.model({ leadOrganisationId: org.id });
    const link = await t.seed.replicate(source.id, target.id);
    const res = await t.server.ok(`mutation($id: ID!) { unlinkModels(id: $id) { id source { replicaCount } target { id replicatedFrom { id } } } }`, {
      id: link.id,
    });
    expect(res.unlinkModels).toEqual({ id: link.id, source: { replicaCount: 0 }, target: { id: link.target.id, replicatedFrom: null } });
    const again = await t.server.gql(`mutation($id: ID!) { unlinkModels(id: $id) { id } }`, { id: link.id });
    expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('request limits', () => {
  it('refuses more mutations in one request than MAX_MUTATIONS_PER_REQUEST, running none of them', async () => {
    const prefix = uniqueName('batch');
    const fields = (n: number) =>
      Array.from({ length: n }, (_, i) => `m${i}: createOrganisation(input: { name: "${prefix} ${i}", kind: OTHER }) { id }`).join('\n');
    const limit = loadConfig().maxMutationsPerRequest;
    const refused = await t.server.gql(`mutation { ${fields(limit + 1)} }`);
    expect(refused.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const [none] = await t.server.db.dataSource.query(`SELECT count(*)::int n FROM organisation WHERE name LIKE $1`, [`${prefix}%`]);
    expect(none.n).toBe(0);
    const accepted = await t.server.gql(`mutation { ${fields(limit)} }`);
    expect(accepted.errors).toBeUndefined();
    const [all] = await t.server.db.dataSource.query(`SELECT count(*)::int n FROM organisation WHERE name LIKE $1`, [`${prefix}%`]);
    expect(all.n).toBe(limit);
  });

  it('refuses a name made only of zero-width characters', async () => {
    const res = await t.server.gql(`mutation { createOrganisation(input: { name: "\\u200b\\u200b", kind: OTHER }) { id } }`);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
