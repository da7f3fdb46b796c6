import { useTestServer } from '../helpers/seed';
import { OWN_DATABASE } from '../helpers/server';

// rowCounts() counts whole tables: no other file may write to this database meanwhile.
const t = useTestServer(OWN_DATABASE);

const UPDATE_MODEL = `mutation($input: UpdateModelInput!) { updateModel(input: $input) { id version
  leadOrganisation { id } organisations { role organisation { id } } } }`;
const ALL_DOMAINS = ['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM'];

async function eventsFor(entityId: string): Promise<Array<{ type: string; payload: any; organisation_paths: string[] }>> {
  return t.server.db.dataSource.query(`SELECT type, payload, organisation_paths FROM change_event WHERE entity_id = $1 ORDER BY id`, [entityId]);
}

async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await t.server.db.dataSource.query(`SELECT
    (SELECT count(*)::int FROM organisation) AS organisations, (SELECT count(*)::int FROM model) AS models,
    (SELECT count(*)::int FROM model_organisation) AS runs, (SELECT count(*)::int FROM replication_link) AS links,
    (SELECT count(*)::int FROM change_event) AS events, (SELECT coalesce(sum(models), 0)::int FROM summary_count) AS counted`);
  return row;
}

/**
 * The figures of a scope read from the maintained aggregates, beside the same figures from a
 * GROUP BY over the models (a filter naming every domain is not a scope-only filter).
 */
async function summaryBothWays(organisationId: string, includeDescendants: boolean) {
  const q = `query($org: ID!, $sub: Boolean!, $all: [Domain!]) {
    aggregates: summary(filter: { organisationId: $org, includeDescendants: $sub }, period: "2023-H1") { totalModels byStatus { status count } organisationsInvolved startedInPeriod }
    counted: summary(filter: { organisationId: $org, includeDescendants: $sub, domain: $all }, period: "2023-H1") { totalModels byStatus { status count } organisationsInvolved startedInPeriod } }`;
  const data = await t.server.ok(q, { org: organisationId, sub: includeDescendants, all: ALL_DOMAINS });
  expect(data.aggregates).toEqual(data.counted);
  return data.aggregates;
}

describe('updateModel: lead and partner organisations', () => {
  it('moves a model to a new lead and partners, with its figures and one event naming old and new organisations', async () => {
    const city = await t.seed.organisation({ kind: 'CITY' });
    const wardA = await t.seed.organisation({ kind: 'WARD', parentId: city.id });
    const wardB = await t.seed.organisation({ kind: 'WARD', parentId: city.id });
    const bodyB = await t.seed.organisation({ kind: 'MASS_ORGANISATION', parentId: wardB.id });
    const model = await t.seed.model({ leadOrganisationId: wardA.id, partnerOrganisationIds: [wardB.id], startedOn: '2023-02-01' });
    expect((await summaryBothWays(wardA.id, true)).totalModels).toBe(1);
    // Act: the partner ward's union takes the lead, ward A becomes the partner
    const data = await t.server.ok(UPDATE_MODEL, {
      input: { id: model.id, version: model.version, leadOrganisationId: bodyB.id, partnerOrganisationIds: [wardA.id] },
    });
    expect(data.updateModel.leadOrganisation.id).toBe(bodyB.id);
    expect(data.updateModel.organisations).toEqual([
      { role: 'LEAD', organisation: { id: bodyB.id } },
      { role: 'PARTNER', organisation: { id: wardA.id } },
    ]);
    expect(data.updateModel.version).toBe(model.version + 1);
    // ward B left the model (as itself), its union runs it
    const a = await summaryBothWays(wardA.id, false);
    const bDirect = await summaryBothWays(wardB.id, false);
    const bSubtree = await summaryBothWays(wardB.id, true);
    expect([a.totalModels, bDirect.totalModels, bSubtree.totalModels, bSubtree.organisationsInvolved]).toEqual([1, 0, 1, 2]);
    expect((await summaryBothWays(city.id, true)).totalModels).toBe(1);
    // Act: drop every partner
    await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: model.version + 1, partnerOrganisationIds: [] } });
    expect((await summaryBothWays(wardA.id, true)).totalModels).toBe(0);
    const events = await eventsFor(model.id);
    expect(events.map((e) => e.type)).toEqual(['MODEL_CREATED', 'MODEL_UPDATED', 'MODEL_UPDATED']);
    expect(events[1].payload).toMatchObject({ leadOrganisationId: bodyB.id, partnerOrganisationIds: [wardA.id] });
    // the event reaches subscribers of the organisation that left (ward B) and of the one that joined
    const paths: string[] = events[1].organisation_paths;
    expect(paths.some((p) => p.endsWith(`/${wardB.id}/`))).toBe(true);
    expect(paths.some((p) => p.endsWith(`/${bodyB.id}/`))).toBe(true);
  });

  it('a partner promoted to lead stops being a partner', async () => {
    const a = await t.seed.organisation();
    const b = await t.seed.organisation();
    const model = await t.seed.model({ leadOrganisationId: a.id, partnerOrganisationIds: [b.id] });
    const data = await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: model.version, leadOrganisationId: b.id } });
    expect(data.updateModel.organisations).toEqual([{ role: 'LEAD', organisation: { id: b.id } }]);
  });

  it('refuses a lead among the partners, no lead, an archived newcomer and an unknown organisation, changing nothing', async () => {
    const a = await t.seed.organisation();
    const b = await t.seed.organisation();
    const gone = await t.seed.organisation();
    await t.server.ok(`mutation($i: ArchiveOrganisationInput!) { archiveOrganisation(input: $i) { id } }`, { i: { id: gone.id, version: gone.version } });
    const model = await t.seed.model({ leadOrganisationId: a.id });
    const before = await rowCounts();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ leadOrganisationId: b.id, partnerOrganisationIds: [b.id] }, 'BAD_USER_INPUT'],
      [{ leadOrganisationId: null }, 'BAD_USER_INPUT'],
      [{ partnerOrganisationIds: [gone.id] }, 'CONFLICT'],
      [{ leadOrganisationId: '00000000-0000-4000-8000-00000000abcd' }, 'NOT_FOUND'],
      [{ partnerOrganisationIds: ['not-an-id'] }, 'BAD_USER_INPUT'],
    ];
    for (const [change, code] of cases) {
      const res = await t.server.gql(UPDATE_MODEL, { input: { id: model.id, version: model.version, ...change } });
      expect({ change, code: res.errors?.[0].extensions?.code }).toEqual({ change, code });
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe('restoreOrganisation', () => {
  const ARCHIVE = `mutation($i: ArchiveOrganisationInput!) { archiveOrganisation(input: $i) { id version archivedAt } }`;
  const RESTORE = `mutation($i: RestoreOrganisationInput!) { restoreOrganisation(input: $i) { id version archivedAt } }`;

  it('brings an archived organisation back into the lists, with an event; restoring again changes nothing', async () => {
    const parent = await t.seed.organisation();
    const org = await t.seed.organisation({ parentId: parent.id });
    const archived = (await t.server.ok(ARCHIVE, { i: { id: org.id, version: org.version } })).archiveOrganisation;
    expect(archived.archivedAt).not.toBeNull();
    const listed = `query($p: ID!) { organisations(filter: { parentId: $p }) { totalCount } }`;
    expect((await t.server.ok(listed, { p: parent.id })).organisations.totalCount).toBe(0);
    const restored = (await t.server.ok(RESTORE, { i: { id: org.id, version: archived.version } })).restoreOrganisation;
    expect(restored).toEqual({ id: org.id, version: archived.version + 1, archivedAt: null });
    expect((await t.server.ok(listed, { p: parent.id })).organisations.totalCount).toBe(1);
    // it can run new models again
    await t.seed.model({ leadOrganisationId: org.id });
    const again = (await t.server.ok(RESTORE, { i: { id: org.id, version: 1 } })).restoreOrganisation;
    expect(again.version).toBe(restored.version);
    expect((await eventsFor(org.id)).map((e) => e.type)).toEqual(['ORGANISATION_CREATED', 'ORGANISATION_ARCHIVED', 'ORGANISATION_RESTORED']);
  });

  it('refuses a stale version and an archived parent with CONFLICT, and an unknown id with NOT_FOUND, changing nothing', async () => {
    const parent = await t.seed.organisation();
    const child = await t.seed.organisation({ parentId: parent.id });
    const c = (await t.server.ok(ARCHIVE, { i: { id: child.id, version: child.version } })).archiveOrganisation;
    const p = (await t.server.ok(ARCHIVE, { i: { id: parent.id, version: parent.version } })).archiveOrganisation;
    const before = await rowCounts();
    const stale = await t.server.gql(RESTORE, { i: { id: child.id, version: child.version } });
    expect(stale.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', currentVersion: c.version });
    const underArchived = await t.server.gql(RESTORE, { i: { id: child.id, version: c.version } });
    expect(underArchived.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', parentId: parent.id });
    const unknown = await t.server.gql(RESTORE, { i: { id: '00000000-0000-4000-8000-00000000beef', version: 1 } });
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await rowCounts()).toEqual(before);
    // from the top down it works
    await t.server.ok(RESTORE, { i: { id: parent.id, version: p.version } });
    await t.server.ok(RESTORE, { i: { id: child.id, version: c.version } });
  });
});

describe('replicateModel refuses a second replica in the same organisation', () => {
  const REPLICATE = `mutation($i: ReplicateModelInput!) { replicateModel(input: $i) { id target { id version } } }`;

  it('CONFLICT naming the existing replica; nothing changes; allowed again once that replica is archived', async () => {
    const source = await t.seed.model({ leadOrganisationId: (await t.seed.organisation()).id });
    const target = await t.seed.organisation();
    const first = await t.server.ok(REPLICATE, { i: { sourceModelId: source.id, targetOrganisationId: target.id, replicatedOn: '2023-03-01' } });
    const before = await rowCounts();
    const second = await t.server.gql(REPLICATE, { i: { sourceModelId: source.id, targetOrganisationId: target.id, replicatedOn: '2023-04-01' } });
    expect(second.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      existingLinkId: first.replicateModel.id,
      existingModelId: first.replicateModel.target.id,
    });
    expect(await rowCounts()).toEqual(before);
    const replicaCount = await t.server.ok(`query($id: ID!) { model(id: $id) { replicaCount } }`, { id: source.id });
    expect(replicaCount.model.replicaCount).toBe(1);
    // Archived, the first replica no longer stands in the way
    const r = first.replicateModel.target;
    await t.server.ok(`mutation($i: ArchiveModelInput!) { archiveModel(input: $i) { id } }`, { i: { id: r.id, version: r.version } });
    await t.server.ok(REPLICATE, { i: { sourceModelId: source.id, targetOrganisationId: target.id } });
  });
});

describe("a model's locality is a city, ward or commune", () => {
  it('refuses another kind of organisation with BAD_USER_INPUT on create and update, and keeps a locality from changing kind', async () => {
    const ward = await t.seed.organisation({ kind: 'WARD' });
    const police = await t.seed.organisation({ kind: 'POLICE', parentId: ward.id });
    const before = await rowCounts();
    const created = await t.server.gql(`mutation($i: CreateModelInput!) { createModel(input: $i) { id } }`, {
      i: { name: 'Khu phố an toàn', domain: 'SECURITY_DEFENCE', leadOrganisationId: police.id, localityId: police.id },
    });
    expect(created.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'localityId', kind: 'POLICE' });
    expect(await rowCounts()).toEqual(before);
    const model = await t.seed.model({ leadOrganisationId: police.id });
    const updated = await t.server.gql(UPDATE_MODEL, { input: { id: model.id, version: model.version, localityId: police.id } });
    expect(updated.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'localityId' });
    const ok = await t.server.ok(`mutation($input: UpdateModelInput!) { updateModel(input: $input) { version locality { id } } }`, {
      input: { id: model.id, version: model.version, localityId: ward.id },
    });
    expect(ok.updateModel.locality).toEqual({ id: ward.id });
    // the ward cannot stop being a place while it is a locality
    const kind = await t.server.gql(`mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { kind } }`, {
      i: { id: ward.id, version: ward.version, kind: 'OTHER' },
    });
    expect(kind.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', models: 1 });
    const still = await t.server.ok(`query($id: ID!) { organisation(id: $id) { kind version } }`, { id: ward.id });
    expect(still.organisation).toEqual({ kind: 'WARD', version: ward.version });
  });
});

describe('archiving is idempotent', () => {
  it('archiving an archived model keeps its version and appends no event, even with the version read before', async () => {
    const model = await t.seed.model({ leadOrganisationId: (await t.seed.organisation()).id });
    const ARCHIVE = `mutation($i: ArchiveModelInput!) { archiveModel(input: $i) { status version } }`;
    const first = await t.server.ok(ARCHIVE, { i: { id: model.id, version: model.version } });
    expect(first.archiveModel).toEqual({ status: 'ARCHIVED', version: model.version + 1 });
    const events = (await eventsFor(model.id)).length;
    const summary = await summaryBothWays(
      (await t.server.ok(`query($id: ID!) { model(id: $id) { leadOrganisation { id } } }`, { id: model.id })).model.leadOrganisation.id,
      false,
    );
    // a retry with the version it read first, and one with the new version
    const retried = await t.server.ok(ARCHIVE, { i: { id: model.id, version: model.version } });
    const again = await t.server.ok(`mutation($id: ID!, $v: Int!) { archiveModel(id: $id, version: $v) { status version } }`, {
      id: model.id,
      v: first.archiveModel.version,
    });
    expect([retried.archiveModel, again.archiveModel]).toEqual([first.archiveModel, first.archiveModel]);
    expect((await eventsFor(model.id)).length).toBe(events);
    expect(summary.byStatus.find((s: any) => s.status === 'ARCHIVED').count).toBe(1);
  });
});

describe('input-style mutation arguments', () => {
  it('archiveModel, archiveOrganisation and unlinkModels take input; the deprecated bare arguments still work; both at once is BAD_USER_INPUT', async () => {
    const org = await t.seed.organisation();
    const other = await t.seed.organisation();
    const model = await t.seed.model({ leadOrganisationId: org.id });
    const link = await t.seed.replicate(model.id, other.id);
    const unlinked = await t.server.ok(`mutation($i: UnlinkModelsInput!) { unlinkModels(input: $i) { id } }`, { i: { id: link.id } });
    expect(unlinked.unlinkModels.id).toBe(link.id);
    const both = await t.server.gql(`mutation($i: ArchiveModelInput!, $id: ID!) { archiveModel(input: $i, id: $id) { id } }`, {
      i: { id: model.id, version: model.version },
      id: model.id,
    });
    expect(both.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const neither = await t.server.gql(`mutation { archiveOrganisation { id } }`);
    expect(neither.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input' });
    const half = await t.server.gql(`mutation($id: ID!) { archiveOrganisation(id: $id) { id } }`, { id: other.id });
    expect(half.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const schema = await t.server.ok(`{ __type(name: "Mutation") { fields { name args(includeDeprecated: true) { name isDeprecated } } } }`);
    const args = Object.fromEntries(schema.__type.fields.map((f: any) => [f.name, f.args]));
    expect(args.archiveModel).toEqual([
      { name: 'id', isDeprecated: true },
      { name: 'input', isDeprecated: false },
      { name: 'version', isDeprecated: true },
    ]);
    expect(args.unlinkModels).toEqual([
      { name: 'id', isDeprecated: true },
      { name: 'input', isDeprecated: false },
    ]);
  });
});
