import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ConfigError, loadConfig } from '../src/shared/config';
import { startServer } from '../src/app/server';
import { stableUuid } from '../src/shared/ids';
import { EVERYTHING_SCOPE } from '../src/summaries/summary-aggregates';
import { percentile } from './support';
import { generateSynthetic } from './synthetic';

/**
 * Summary timings at scale: loads the synthetic city (default 20,000 organisations, 1,000,000
 * models, 300,000 links; skipped when already there) into DATABASE_URL, starts the real server
 * in-process and times each summary query over HTTP, one request at a time, after a warm-up.
 * Progress goes to stderr; the figures, as JSON, to stdout.
 *
 *   DATABASE_URL=postgres://... node dist/bench/summaries.js [--organisations N --models N --links N --runs 200]
 */
const FIGURES = 'totalModels byDomain { domain count } byStatus { status count } startedInPeriod replicatedInPeriod organisationsInvolved';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      organisations: { type: 'string', default: '20000' },
      models: { type: 'string', default: '1000000' },
      links: { type: 'string', default: '300000' },
      seed: { type: 'string', default: '42' },
      runs: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
    },
  });
  const size = { organisations: Number(values.organisations), models: Number(values.models), links: Number(values.links), seed: Number(values.seed) };
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (![...Object.values(size), runs, warmup].every((n) => Number.isInteger(n) && n >= 0) || size.organisations < 2 || size.models < 1 || runs < 1) {
    throw new ConfigError('--organisations (≥ 2), --models (≥ 1), --links, --seed, --runs (≥ 1) and --warmup must be whole numbers.');
  }
  const base = loadConfig();
  if (!base.databaseUrl) {
    throw new ConfigError(
      'Set DATABASE_URL=postgres://... to a database of your own: this loads a million models into it (the embedded database is not for that).',
    );
  }
  const server = await startServer({ ...base, port: 0, host: '127.0.0.1', runMigrations: true, seedDemo: false, sqlStats: true, logSql: false });
  const log = (message: string) => console.error(`[bench:summaries] ${message}`);
  try {
    const db = server.db.dataSource;
    const ns = `synthetic-${size.seed}`;
    const cityId = stableUuid(`${ns}-org`, '0');
    const [present] = await db.query(
      `SELECT EXISTS (SELECT 1 FROM model WHERE id = $1) AS models, EXISTS (SELECT 1 FROM organisation WHERE id = $2) AS orgs,
              EXISTS (SELECT 1 FROM summary_count WHERE scope_id = $3) AS aggregates`,
      [stableUuid(`${ns}-model`, String(size.models - 1)), stableUuid(`${ns}-org`, String(size.organisations - 1)), EVERYTHING_SCOPE],
    );
    let loadSeconds: number | null = null;
    if (present.models && present.orgs && present.aggregates) {
      log(`synthetic city ${JSON.stringify(size)} already loaded; skipping the load`);
    } else {
      log(`loading the synthetic city ${JSON.stringify(size)} (minutes at a million models)…`);
      const started = performance.now();
      await generateSynthetic(db, size);
      loadSeconds = Math.round((performance.now() - started) / 100) / 10;
      log(`loaded in ${loadSeconds} s`);
    }
    const [counts] = await db.query(
      `SELECT (SELECT count(*)::int FROM organisation) AS organisations, (SELECT count(*)::int FROM model) AS models, (SELECT count(*)::int FROM replication_link) AS links`,
    );
    // A mid-size ward: the median, by models in its subtree, of the city's wards.
    const wards: Array<{ id: string; models: number; organisations: number }> = await db.query(
      `SELECT o.id, (SELECT coalesce(sum(c.models), 0)::int FROM summary_count c WHERE c.scope_id = o.id AND c.subtree) AS models,
              (SELECT count(*)::int FROM organisation d WHERE d.path LIKE o.path || '%') AS organisations
       FROM organisation o WHERE o.parent_id = $1 AND o.kind = 'WARD' ORDER BY 2, 1`,
      [cityId],
    );
    if (!wards.length) throw new Error('The synthetic city has no wards: load it with more organisations.');
    const ward = wards[Math.floor(wards.length / 2)];

    const post = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      const body = (await res.json()) as { data?: unknown; errors?: unknown[]; extensions?: { sqlStatements?: number } };
      if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body;
    };
    const cases: Array<{ name: string; query: string; variables: Record<string, unknown>; runs?: number }> = [
      { name: 'city-wide Query.summary by domain and status', query: `{ summary { ${FIGURES} } }`, variables: {} },
      {
        name: `ward Organisation.summary(period: "2023-H1", includeDescendants: true) (${ward.organisations} organisations, ${ward.models} models)`,
        query: `query($id: ID!) { organisation(id: $id) { summary(period: "2023-H1", includeDescendants: true) { ${FIGURES} } } }`,
        variables: { id: ward.id },
      },
      {
        name: 'root organisation summary(period: "2023-H1")',
        query: `query($id: ID!) { organisation(id: $id) { summary(period: "2023-H1") { ${FIGURES} } } }`,
        variables: { id: cityId },
      },
      {
        // For comparison: a filter the aggregates do not keep, so one GROUP BY over the matching models.
        name: 'Query.summary(filter: { domain: [ECONOMY] }, period: "2023-H1") (GROUP BY path, for comparison)',
        query: `{ summary(filter: { domain: [ECONOMY] }, period: "2023-H1") { ${FIGURES} } }`,
        variables: {},
        runs: Math.min(runs, 20),
      },
    ];
    const results = [];
    for (const c of cases) {
      const n = c.runs ?? runs;
      for (let i = 0; i < Math.min(warmup, n); i += 1) await post(c.query, c.variables);
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof post>> | null = null;
      for (let i = 0; i < n; i += 1) {
        const started = performance.now();
        last = await post(c.query, c.variables);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      const result = {
        name: c.name,
        runs: n,
        medianMs: Math.round(percentile(times, 50) * 100) / 100,
        p95Ms: Math.round(percentile(times, 95) * 100) / 100,
        sqlStatements: last?.extensions?.sqlStatements ?? null,
        answer: last?.data,
      };
      log(`${c.name}: median ${result.medianMs} ms, p95 ${result.p95Ms} ms over ${n} runs (${result.sqlStatements} SQL statement(s))`);
      results.push(result);
    }
    console.log(JSON.stringify({ size, counts, loadSeconds, ward: { id: ward.id, organisations: ward.organisations, models: ward.models }, results }, null, 2));
  } finally {
    await server.stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof ConfigError ? `Error: ${error.message}` : error);
    process.exit(1);
  });
}
