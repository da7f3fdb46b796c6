import { parse, validate, buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_MODELS, DEMO_ORGANISATIONS, DEMO_REPORTS, type DemoModel } from '../../src/db/demo-data';
import { loadSavedOperations, savedOperationsDir, type SavedOperation } from '../../src/ide/saved-operations';
import { seeder, useTestServer } from '../helpers/seed';
import { OWN_DATABASE, type GraphQLResponse } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/**
 * Every saved question in schema/operations/ (the IDE's tabs) runs against the demo data over
 * real HTTP, or a real graphql-ws socket for the subscription, and answers what its comment
 * says, checked against the demo data's own records (src/db/demo-data.ts) rather than against
 * a copy of the answer.
 */
const t = useTestServer(OWN_DATABASE);
const operations = loadSavedOperations();
const byFile = (file: string): SavedOperation => {
  const found = operations.find((op) => op.file === file);
  if (!found) throw new Error(`schema/operations/${file} is missing`);
  return found;
};

/** POSTs one operation of a saved file by name, as the IDE's tab runs it. */
async function run(file: string, operationName: string, variables?: Record<string, unknown>): Promise<any> {
  const res = await fetch(t.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: byFile(file).document, operationName, variables }),
  });
  const body = (await res.json()) as GraphQLResponse;
  if (body.errors?.length || res.status !== 200) throw new Error(`${file} ${operationName}: HTTP ${res.status} ${JSON.stringify(body.errors)}`);
  return body.data;
}

const orgName = (key: string) => DEMO_ORGANISATIONS.find((o) => o.key === key)!.name;
const runs = (m: DemoModel, keys: string[]) => keys.includes(m.leadKey) || (m.partnerKeys ?? []).some((k) => keys.includes(k));
/** The subtree of an organisation in the demo data, by key. */
function subtree(key: string): string[] {
  const keys = [key];
  for (let i = 0; i < keys.length; i += 1) keys.push(...DEMO_ORGANISATIONS.filter((o) => o.parentKey === keys[i]).map((o) => o.key));
  return keys;
}
const DOMAINS = ['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM'] as const;
const countByDomain = (models: readonly DemoModel[]) => Object.fromEntries(DOMAINS.map((d) => [d, models.filter((m) => m.domain === d).length]));
/** As the API's search folds text: marks dropped, đ as d, lower case. */
const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
const POLICE_MODEL = DEMO_MODELS.find((m) => m.key === 'model-cong-an-than-thien')!;
const UPDATE_MODEL = 'mutation($input: UpdateModelInput!) { updateModel(input: $input) { id version status } }';

describe('the saved questions in schema/operations/', () => {
  it('are the seven questions, each opening with a comment, each valid against the schema', () => {
    const schema = buildSchema(readFileSync(path.join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));
    expect(savedOperationsDir()).toBe(path.resolve(__dirname, '..', '..', 'schema', 'operations'));
    expect(operations.map((op) => [op.file, op.operationNames])).toEqual([
      ['01-city-figures-2023-h1.graphql', ['CityFigures2023H1']],
      ['02-ky-son-models-by-domain.graphql', ['KySonModelsByDomain']],
      ['03-most-replicated.graphql', ['MostReplicated']],
      ['04-organisation-page.graphql', ['OrganisationPage']],
      ['05-accent-free-search.graphql', ['AccentFreeSearch']],
      ['06-follow-changes.graphql', ['FollowChanges']],
      ['07-model-history.graphql', ['FindModel', 'ModelHistory']],
    ]);
    for (const op of operations) {
      // A comment of several lines, not a token one.
      expect(op.document.match(/^#.*\n/gm)!.length).toBeGreaterThanOrEqual(3);
      expect(validate(schema, parse(op.document)).map((e) => `${op.file}: ${e.message}`)).toEqual([]);
    }
    // Where the demo data has nothing to show, the comment says how to load the synthetic city.
    expect(byFile('03-most-replicated.graphql').document).toMatch(/npm run seed:synthetic/);
  });

  it("the city's 2023-H1 figures by domain: the report's numbers beside the registered models", async () => {
    const data = await run('01-city-figures-2023-h1.graphql', 'CityFigures2023H1');
    const city = data.reportingPeriod.reports.find((r: any) => r.organisation.name === orgName('city'));
    const cityReport = DEMO_REPORTS.find((r) => r.organisationKey === 'city')!;
    const registered = countByDomain(DEMO_MODELS);
    expect(data.reportingPeriod.label).toBe('6 tháng đầu năm 2023');
    expect(city.reported).toEqual({ total: 179, economy: 51, cultureSociety: 70, securityDefence: 46, politicalSystem: 12, newlyReplicated: 16 });
    expect(city.reported.total).toBe(cityReport.total);
    expect(city.registered).toEqual({
      total: DEMO_MODELS.length, // 57: the models the report names
      economy: registered.ECONOMY,
      cultureSociety: registered.CULTURE_SOCIETY,
      securityDefence: registered.SECURITY_DEFENCE,
      politicalSystem: registered.POLITICAL_SYSTEM,
      newlyReplicated: 0, // the report's one replication has no date
    });
    expect(city.difference.total).toBe(179 - DEMO_MODELS.length);
    expect(city.difference.economy).toBe(51 - registered.ECONOMY);
    const military = data.reportingPeriod.reports.find((r: any) => r.organisation.name === orgName('city-military-command'));
    expect(military.reported).toMatchObject({ total: 8, securityDefence: 8, economy: null });
    expect(military.registered.total).toBe(DEMO_MODELS.filter((m) => m.leadKey === 'city-military-command').length);
    const summaryByDomain = Object.fromEntries(data.summary.byDomain.map((d: any) => [d.domain, d.count]));
    expect(summaryByDomain).toEqual(registered);
  });

  it('models per domain under phường Kỳ Sơn', async () => {
    const data = await run('02-ky-son-models-by-domain.graphql', 'KySonModelsByDomain');
    const expected = DEMO_MODELS.filter((m) => runs(m, subtree('ky-son-ward')));
    expect(expected.map((m) => m.name)).toEqual(['Đổi mới hình thức sinh hoạt chi bộ cơ sở']);
    expect(data.organisations.edges).toHaveLength(1);
    const ward = data.organisations.edges[0].node;
    expect(ward.name).toBe('Phường Kỳ Sơn');
    expect(ward.parent.name).toBe('Thành phố Hòa Bình');
    expect(ward.summary.totalModels).toBe(expected.length);
    expect(Object.fromEntries(ward.summary.byDomain.map((d: any) => [d.domain, d.count]))).toEqual(countByDomain(expected));
    expect(ward.models.edges.map((e: any) => [e.node.name, e.node.domain, e.node.leadOrganisation.name])).toEqual(
      expected.map((m) => [m.name, m.domain, orgName(m.leadKey)]),
    );
  });

  it('the most replicated models and how far they spread', async () => {
    const data = await run('03-most-replicated.graphql', 'MostReplicated');
    const city = data.organisations.edges[0].node;
    expect(city.name).toBe('Thành phố Hòa Bình');
    const [top, ...rest] = city.models.edges.map((e: any) => e.node);
    expect(top.name).toBe(POLICE_MODEL.name);
    expect(top.leadOrganisation.name).toBe('Công an thành phố Hòa Bình');
    expect(top.replicaCount).toBe(1);
    expect(top.reach).toEqual({
      directReplicas: 1,
      descendants: 1,
      depth: 1,
      organisationsReached: 1,
      localitiesReached: 0,
      firstReplicatedOn: null,
      latestReplicatedOn: null, // the report dates no replication
    });
    expect(top.descendants.edges.map((e: any) => [e.depth, e.node.leadOrganisation.name])).toEqual([[1, 'Công an các phường, xã']]);
    expect(rest.length).toBe(4);
    expect(rest.every((m: any) => m.replicaCount === 0)).toBe(true);
    expect(data.topReplicated).toContainEqual({
      replications: 1,
      model: { name: POLICE_MODEL.name, leadOrganisation: { name: 'Công an thành phố Hòa Bình' } },
    });
    expect(data.topReplicated).toHaveLength(1);
    const demoNames = new Set(DEMO_MODELS.map((m) => m.name));
    expect(data.datedInPeriod.filter((r: any) => demoNames.has(r.model.name))).toEqual([]);
  });

  it("an organisation's page: place, children, figures, models with replicas and lineage", async () => {
    const data = await run('04-organisation-page.graphql', 'OrganisationPage');
    const page = data.organisations.edges[0].node;
    const expected = DEMO_MODELS.filter((m) => runs(m, subtree('city-police')));
    expect(page.name).toBe('Công an thành phố Hòa Bình');
    expect(page.kind).toBe('POLICE');
    expect(page.ancestors).toEqual([{ name: 'Thành phố Hòa Bình', kind: 'CITY' }]);
    expect(page.children.edges.map((e: any) => e.node.name)).toEqual(['Công an các phường, xã']);
    expect(page.models.totalCount).toBe(expected.length);
    expect(page.summary.totalModels).toBe(expected.length);
    expect(Object.fromEntries(page.summary.byDomain.map((d: any) => [d.domain, d.count]))).toEqual(countByDomain(expected));
    const models = page.models.edges.map((e: any) => e.node);
    expect(models.map((m: any) => m.name).sort()).toEqual(expected.map((m) => m.name).sort());
    // Ordered by replicas: the city police's model first, spread to the ward and commune police,
    // whose copy names it as its lineage.
    expect(models[0].replicaCount).toBe(1);
    expect(models[0].replicas.edges.map((e: any) => e.node.leadOrganisation.name)).toEqual(['Công an các phường, xã']);
    const replica = models.find((m: any) => m.lineage.length > 0);
    expect(replica.lineage).toEqual([{ name: POLICE_MODEL.name, leadOrganisation: { name: 'Công an thành phố Hòa Bình' } }]);
    // Partner, not lead, in the security models the report credits to several organisations.
    expect(models.filter((m: any) => m.organisations.some((o: any) => o.role === 'PARTNER' && o.organisation.name === page.name)).length).toBeGreaterThan(0);
  });

  it('accent-free search finds the marked names', async () => {
    const data = await run('05-accent-free-search.graphql', 'AccentFreeSearch');
    const wanted = (words: string, names: string[]) => names.filter((n) => words.split(' ').every((w) => fold(n).includes(w))).sort();
    const models = data.models.edges.map((e: any) => e.node.name);
    const organisations = data.organisations.edges.map((e: any) => e.node.name);
    expect(models).toEqual(['Phân loại rác', 'Thu gom, phân loại rác']);
    expect(models).toEqual(
      wanted(
        'phan loai rac',
        DEMO_MODELS.map((m) => m.name),
      ),
    );
    expect(organisations).toEqual(['Đoàn thanh niên thành phố Hòa Bình']);
    expect(organisations).toEqual(
      wanted(
        'doan thanh nien',
        DEMO_ORGANISATIONS.map((o) => o.name),
      ),
    );
  });

  it('following changes live: the subscription, as the tab runs it and filtered, receives each committed change', async () => {
    // The demo load writes no events, so the test makes changes of its own, in an organisation
    // of its own (the demo data stays as the other questions read it).
    const { latestChangeCursor: start } = await t.server.ok('{ latestChangeCursor }');
    const seed = seeder(t.server);
    const org = await seed.organisation({ kind: 'WARD' });
    const document = byFile('06-follow-changes.graphql').document;
    const client = wsClient(t.server);
    try {
      const asTheTabRunsIt = new Subscription(client, document, { after: start }); // `after` only so that nothing is missed before the socket is up
      const filtered = new Subscription(client, document, { after: start, filter: { organisationId: org.id, types: ['MODEL_CREATED', 'MODEL_UPDATED'] } });
      const model = await seed.model({ leadOrganisationId: org.id, name: `Phố văn minh ${org.name}`, domain: 'CULTURE_SOCIETY' });
      await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: model.version, status: 'PILOT' } });
      const ofModel = (s: Subscription) => s.data.map((d: any) => d.changes).filter((c: any) => c.entityId === model.id);
      await filtered.until((s) => ofModel(s).length >= 2);
      await asTheTabRunsIt.until((s) => ofModel(s).length >= 2);

      const events = ofModel(filtered);
      expect(filtered.error).toBeNull();
      expect(events.map((e: any) => e.type)).toEqual(['MODEL_CREATED', 'MODEL_UPDATED']);
      // `model` is the model when the event was delivered (before or after the update); `payload` as it was then.
      expect(events[0].model).toMatchObject({ id: model.id, name: model.name, domain: 'CULTURE_SOCIETY' });
      expect(events[0].payload).toMatchObject({ name: model.name, status: 'ACTIVE' });
      expect(events[1].payload).toMatchObject({ status: 'PILOT' });
      expect(BigInt(events[1].cursor)).toBeGreaterThan(BigInt(events[0].cursor));
      // The filtered one saw only this organisation's model events.
      expect(filtered.data.every((d: any) => d.changes.model?.id === model.id)).toBe(true);
      // Unfiltered, the organisation's creation is in the stream too.
      expect(asTheTabRunsIt.data.some((d: any) => d.changes.type === 'ORGANISATION_CREATED' && d.changes.entityId === org.id)).toBe(true);
      expect(ofModel(asTheTabRunsIt).map((e: any) => e.cursor)).toEqual(events.map((e: any) => e.cursor));
      asTheTabRunsIt.stop();
      filtered.stop();
    } finally {
      await client.dispose();
    }
  });

  it("one model's history: FindModel, then ModelHistory through Model.history, newest first, with who did it", async () => {
    // FindModel over the demo data.
    const found = await run('07-model-history.graphql', 'FindModel');
    const kySonModel = found.models.edges[0].node;
    expect(kySonModel.name).toBe('Đổi mới hình thức sinh hoạt chi bộ cơ sở');
    expect(kySonModel.leadOrganisation.name).toBe('Phường Kỳ Sơn');
    {
      // Loading the demo data writes no events: its models have no history yet.
      const demoHistory = await run('07-model-history.graphql', 'ModelHistory', { id: kySonModel.id });
      expect(demoHistory.model.history).toMatchObject({ totalCount: 0, edges: [] });
    }

    // A model with a history, beside another model of the same organisation.
    const seed = seeder(t.server);
    const org = await seed.organisation();
    const model = await seed.model({ leadOrganisationId: org.id, name: `Đổi mới sinh hoạt ${org.name}` });
    const neighbour = await seed.model({ leadOrganisationId: org.id });
    const updated = await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: model.version, status: 'SUSPENDED' } });
    await t.server.ok(UPDATE_MODEL, { input: { id: model.id, version: updated.updateModel.version, status: 'ACTIVE' } });

    const history = await run('07-model-history.graphql', 'ModelHistory', { id: model.id });
    expect(history.model.name).toBe(model.name);
    const events = history.model.history.edges.map((e: any) => e.node);
    // Newest first; only this model's events, never its neighbour's; each says who made it.
    expect(events.map((e: any) => [e.type, e.payload.status])).toEqual([
      ['MODEL_UPDATED', 'ACTIVE'],
      ['MODEL_UPDATED', 'SUSPENDED'],
      ['MODEL_CREATED', 'ACTIVE'],
    ]);
    expect(history.model.history.totalCount).toBe(3);
    expect(events.every((e: any) => e.actorRole === 'ADMIN' && typeof e.actor === 'string' && e.actor.length > 0)).toBe(true);
    const ofNeighbour = await run('07-model-history.graphql', 'ModelHistory', { id: neighbour.id });
    expect(ofNeighbour.model.history.edges.map((e: any) => e.node.type)).toEqual(['MODEL_CREATED']);
    expect(history.model.history.pageInfo.hasNextPage).toBe(false);
  });
});
