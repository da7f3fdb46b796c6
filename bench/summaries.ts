import 'reflect-metadata';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ConfigError, loadConfig } from '../src/shared/config';
import { startServer } from '../src/app/server';
import { stableUuid } from '../src/shared/ids';
import type { ModelFilter } from '../src/models/model.inputs';
import { EVERYTHING_SCOPE } from '../src/summaries/summary-aggregates';
import { summaryPath } from '../src/summaries/summary.service';
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
interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Which read answers it (summaryPath): the maintained aggregates, or a scan of the matching models. */
  path: 'aggregate' | 'scan';
  runs?: number;
}

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
  // No statement deadline: the load, the migration's backfill and the bench's own set-up queries take
  // minutes at a million models on a busy machine (the timed queries are far below any deadline).
  const server = await startServer({
    ...base,
    port: 0,
    host: '127.0.0.1',
    runMigrations: true,
    seedDemo: false,
    sqlStats: true,
    logSql: false,
    dbStatementTimeoutMs: 0,
    dbQueryTimeoutMs: 0,
  });
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
    // Every analyst question of DOMAIN.md (domain, status, period, organisation subtree, alone and combined),
    // then the two the aggregates do not key (free text, a start-date range), which scan.
    const SUMMARY = `query($f: ModelFilter, $p: String) { summary(filter: $f, period: $p) { ${FIGURES} } }`;
    const P = '2023-H1';
    const filtered = (name: string, filter: Record<string, unknown> | null, period: string | null = P): Case => ({
      name,
      query: SUMMARY,
      variables: { f: filter, p: period },
      path: summaryPath(filter as ModelFilter | null),
    });
    const wardScope = { organisationId: ward.id, includeDescendants: true };
    const cases: Case[] = [
      filtered('city-wide, no filter', null),
      filtered('domain: ECONOMY', { domain: ['ECONOMY'] }),
      filtered('domain: ECONOMY, CULTURE_SOCIETY', { domain: ['ECONOMY', 'CULTURE_SOCIETY'] }),
      filtered('status: ACTIVE', { status: ['ACTIVE'] }),
      filtered('recognised in period 2023-H1', { period: P }),
      filtered('domain + status', { domain: ['ECONOMY'], status: ['ACTIVE', 'PILOT'] }),
      filtered('domain + status + period', { domain: ['ECONOMY'], status: ['ACTIVE'], period: P }),
      filtered(`ward subtree (${ward.organisations} organisations, ${ward.models} models)`, wardScope),
      filtered('ward subtree + domain ("per domain in 2023-H1 under a ward")', { ...wardScope, domain: ['ECONOMY'] }),
      filtered('ward subtree + domain + status + period', { ...wardScope, domain: ['ECONOMY'], status: ['ACTIVE'], period: P }),
      filtered('the city subtree + domain', { organisationId: cityId, domain: ['SECURITY_DEFENCE'] }),
      filtered('the city alone (includeDescendants: false) + status', { organisationId: cityId, includeDescendants: false, status: ['ACTIVE'] }),
      filtered('domain, without a period argument', { domain: ['ECONOMY'] }, null),
      {
        name: `ward Organisation.summary(period, includeDescendants: true)`,
        query: `query($id: ID!) { organisation(id: $id) { summary(period: "${P}", includeDescendants: true) { ${FIGURES} } } }`,
        variables: { id: ward.id },
        path: 'aggregate',
      },
      {
        name: 'root Organisation.summary(period)',
        query: `query($id: ID!) { organisation(id: $id) { summary(period: "${P}") { ${FIGURES} } } }`,
        variables: { id: cityId },
        path: 'aggregate',
      },
      { ...filtered('search: "phan loai rac" (free text)', { search: 'phan loai rac' }), runs: Math.min(runs, 20) },
      { ...filtered('search within the ward subtree', { ...wardScope, search: 'camera an ninh' }), runs: Math.min(runs, 20) },
      {
        ...filtered('startedFrom/startedTo: 2023-01-01..2023-03-31 (date range)', { startedFrom: '2023-01-01', startedTo: '2023-03-31' }),
        runs: Math.min(runs, 20),
      },
      { ...filtered('date range + domain', { startedFrom: '2023-01-01', startedTo: '2023-03-31', domain: ['ECONOMY'] }), runs: Math.min(runs, 20) },
    ];
    const results: Array<{
      name: string;
      runs: number;
      medianMs: number | null;
      p95Ms: number | null;
      path: string;
      sqlStatements: number | null;
      answer: unknown;
    }> = [];
    for (const c of cases) {
      const n = c.runs ?? runs;
      const times: number[] = [];
      let last: Awaited<ReturnType<typeof post>> | null = null;
      try {
        for (let i = 0; i < Math.min(warmup, n); i += 1) await post(c.query, c.variables);
        for (let i = 0; i < n; i += 1) {
          const started = performance.now();
          last = await post(c.query, c.variables);
          times.push(performance.now() - started);
        }
      } catch (error) {
        // A question that fails (e.g. the request deadline on a saturated machine) is reported, and the others still run.
        log(`${c.name}: failed after ${times.length} runs: ${(error as Error).message.slice(0, 200)}`);
        results.push({ name: c.name, runs: times.length, medianMs: null, p95Ms: null, path: c.path, sqlStatements: null, answer: null });
        continue;
      }
      times.sort((a, b) => a - b);
      const result = {
        name: c.name,
        runs: n,
        medianMs: Math.round(percentile(times, 50) * 100) / 100,
        p95Ms: Math.round(percentile(times, 95) * 100) / 100,
        path: c.path,
        sqlStatements: last?.extensions?.sqlStatements ?? null,
        answer: last?.data,
      };
      log(`${c.name}: median ${result.medianMs} ms, p95 ${result.p95Ms} ms over ${n} runs (${c.path}, ${result.sqlStatements} SQL statement(s))`);
      results.push(result);
    }
    console.error('\n| question | path | median ms | p95 ms | SQL | runs |\n|---|---|---:|---:|---:|---:|');
    for (const r of results) console.error(`| ${r.name} | ${r.path} | ${r.medianMs} | ${r.p95Ms} | ${r.sqlStatements} | ${r.runs} |`);
    console.error(
      `\nload average ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(' / ')} (1 / 5 / 15 min) on ${os.cpus().length} CPUs`,
    );
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
