import { dashboardQuery } from '../../bench/dashboard';
import { generateSynthetic, SYNTHETIC_PREFIX } from '../../bench/synthetic';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  // Its own embedded database in both passes, so the synthetic city does not mix with the other
  // tests' data: from the global setup's migrated snapshot, without the demo data.
  server = await startTestServer({ databaseUrl: undefined, runMigrations: true, seedDemo: false });
});
afterAll(() => server?.stop());

const counts = async () => {
  const [row] = await server.db.dataSource.query(
    `SELECT
    (SELECT count(*)::int FROM organisation WHERE name LIKE $1) o, (SELECT count(*)::int FROM model WHERE name LIKE $1) m,
    (SELECT count(*)::int FROM replication_link) l, (SELECT sum(replica_count)::int FROM model) r,
    (SELECT count(*)::int FROM organisation WHERE parent_id IS NULL) roots`,
    [`${SYNTHETIC_PREFIX}%`],
  );
  return row;
};

/** The benchmark's dashboard, with and without `summary`: its statements and how much it showed. */
const dashboard = async () => {
  const figures: Record<string, { statements?: number; models: number; replicas: number }> = {};
  for (const withSummary of [true, false]) {
    const res = await server.gql(dashboardQuery(withSummary));
    expect(res.errors).toBeUndefined();
    const models = res.data.organisations.edges.flatMap((o: any) => o.node.models.edges);
    const replicas = models.flatMap((m: any) => m.node.replicas.edges);
    figures[withSummary ? 'with summary' : 'without summary'] = { statements: res.extensions?.sqlStatements, models: models.length, replicas: replicas.length };
  }
  return figures;
};

describe('synthetic data generator', () => {
  it('builds the requested sizes, marked synthetic, deterministically and idempotently, with consistent replica counts', async () => {
    const size = { organisations: 40, models: 300, links: 120, seed: 7 };
    await generateSynthetic(server.db.dataSource, size);
    await generateSynthetic(server.db.dataSource, size);
    expect(await counts()).toEqual({ o: 40, m: 300, l: 120, r: 120, roots: 1 });
    // every model has at most one source, and following sources always ends (no cycle)
    const [cycle] = await server.db.dataSource.query(`WITH RECURSIVE up(id, depth) AS (
        SELECT target_model_id, 0 FROM replication_link
        UNION ALL SELECT rl.source_model_id, up.depth + 1 FROM up JOIN replication_link rl ON rl.target_model_id = up.id WHERE up.depth < 400)
      SELECT max(depth)::int AS deepest FROM up`);
    expect(cycle.deepest).toBeLessThan(300);
  });

  it("runs the benchmark's dashboard in the same statements whatever the data size (3 with summary, as without: the organisation page brings its figures)", async () => {
    // After the first test: the city of 40 organisations. Then a second city, five times larger.
    const small = await dashboard();
    await generateSynthetic(server.db.dataSource, { organisations: 200, models: 1500, links: 600, seed: 8 });
    expect(await counts()).toMatchObject({ o: 240, m: 1800, l: 720, roots: 2 });
    const large = await dashboard();
    console.log(`[synthetic] the dashboard at 40 and 240 organisations: ${JSON.stringify({ small, large })}`);
    for (const variant of ['with summary', 'without summary']) {
      expect(large[variant].statements).toBe(small[variant].statements);
      // the larger city shows a fuller page (50 organisations, their models and replicas)
      expect(large[variant].models).toBeGreaterThan(small[variant].models);
      expect(large[variant].replicas).toBeGreaterThan(0);
    }
    expect(small['with summary'].statements).toBe(3);
    expect(small['without summary'].statements).toBe(3);
  });
});
