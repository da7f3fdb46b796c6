import { DEMO_MODELS, DEMO_ORGANISATIONS } from '../../src/db/demo-data';
import { demoId, seedDemoData } from '../../src/db/demo-seed';
import { useTestServer } from '../helpers/seed';
import { EMPTY_EMBEDDED_DATABASE } from '../helpers/server';

// Not from the suite's seeded snapshot: the server's own start-up migrates and loads the demo data.
const t = useTestServer(EMPTY_EMBEDDED_DATABASE);

describe('demo data from the 2023-H1 report', () => {
  it('lists the report economy models under models(filter: {domain: ECONOMY})', async () => {
    const data = await t.server.ok(`{ models(first: 100, filter: { domain: ECONOMY, period: "2023-H1" }) { totalCount edges { node { name domain } } } }`);
    const names = data.models.edges.map((e: any) => e.node.name);
    const expected = DEMO_MODELS.filter((m) => m.domain === 'ECONOMY').map((m) => m.name);
    expect(expected.length).toBeGreaterThanOrEqual(14);
    for (const name of expected) expect(names).toContain(name);
    expect(data.models.edges.every((e: any) => e.node.domain === 'ECONOMY')).toBe(true);
  });

  it('shows the city report, 179 reported, beside the registered count', async () => {
    const data = await t.server.ok(`{ reportingPeriod(code: "2023-H1") { code startsOn endsOn reports {
      organisation { name kind }
      reported { total economy cultureSociety securityDefence politicalSystem newlyReplicated }
      registered { total economy cultureSociety securityDefence politicalSystem }
      difference { total economy } } } }`);
    const city = data.reportingPeriod.reports.find((r: any) => r.organisation.kind === 'CITY');
    expect(city.organisation.name).toBe('Thành phố Hòa Bình');
    expect(city.reported).toEqual({ total: 179, economy: 51, cultureSociety: 70, securityDefence: 46, politicalSystem: 12, newlyReplicated: 16 });
    const registeredDemo = DEMO_MODELS.length;
    // Other tests add models to this database, but never in 2023-H1 under the demo city.
    expect(city.registered.total).toBe(registeredDemo);
    expect(city.registered.economy).toBe(DEMO_MODELS.filter((m) => m.domain === 'ECONOMY').length);
    expect(city.difference.total).toBe(179 - registeredDemo);
  });

  it('loading the demo data again changes nothing', async () => {
    // Scoped to the demo records (other test files write to the same database in parallel),
    // compared row by row so an overwritten edit would show too.
    const snapshot = () =>
      t.server.db.dataSource.query(
        `SELECT (SELECT json_agg(o ORDER BY o.id) FROM organisation o WHERE o.id = ANY($1::uuid[])) o,
                (SELECT json_agg(m ORDER BY m.id) FROM model m WHERE m.id = ANY($2::uuid[])) m,
                (SELECT json_agg(l ORDER BY l.id) FROM replication_link l WHERE l.source_model_id = ANY($2::uuid[])) l,
                (SELECT json_agg(r ORDER BY r.id) FROM period_report r WHERE r.organisation_id = ANY($1::uuid[])) r`,
        [DEMO_ORGANISATIONS.map((o) => demoId.organisation(o.key)), DEMO_MODELS.map((m) => demoId.model(m.key))],
      );
    const before = await snapshot();
    const { inserted } = await seedDemoData(t.server.db.dataSource);
    const after = await snapshot();
    expect(inserted).toBe(0);
    expect(before[0].m).toHaveLength(DEMO_MODELS.length);
    expect(after).toEqual(before);
  });

  it('carries the report replication: the city police model and its replica in ward/commune police', async () => {
    const data = await t.server.ok(`{ models(first: 5, filter: { search: "neu cao tinh than trach nhiem" }) { edges { node {
      name replicaCount replicatedFrom { id } leadOrganisation { name } replicas(first: 5) { edges { node { leadOrganisation { name } lineage { leadOrganisation { name } } } } } } } } }`);
    const source = data.models.edges.map((e: any) => e.node).find((n: any) => n.replicatedFrom === null);
    expect(source.leadOrganisation.name).toMatch(/Công an thành phố/);
    expect(source.replicaCount).toBe(1);
    const replica = source.replicas.edges[0].node;
    expect(replica.leadOrganisation.name).toMatch(/Công an các phường, xã/);
    expect(replica.lineage.map((m: any) => m.leadOrganisation.name)).toEqual([source.leadOrganisation.name]);
  });
});
