import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { DASHBOARD_MODELS as MODELS, DASHBOARD_ORGANISATIONS as ORGANISATIONS } from './dashboard';
import { CLK_TCK, log, percentile, processCpuTicks } from './support';

/**
 * What reading a page's rows costs node-postgres, as columns and as one JSON value: the
 * dashboard's two nested pages (20 models of each of the first 50 organisations with each one's
 * total; 5 replicas of each of those models with its lead's name), written out as our server
 * sends them (src/shared/pagination.ts runPage, models with `properties`, the lead as `__lead`),
 * then the same statements wrapped in one `json_agg` (how pageRows read them on the morning of
 * 2026-12-03; `bench/codecs.ts` measures today's form, values of 50 rows as arrays).
 *
 * One client, one statement at a time, after a warm-up (a fresh process's first seconds keep
 * more of the young generation: bench/README.md); rounds alternate the forms. Prints the Node CPU
 * (user and system) and the PostgreSQL backend's CPU per statement, medians over the rounds.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvk_bench_peers node dist/bench/rows.js [--rounds 5] [--statements 300] [--warmup 10]
 *
 * DATABASE_URL must name a database `npm run bench` has seeded.
 */
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, statements: { type: 'string', default: '300' }, warmup: { type: 'string', default: '10' } },
});
const rounds = Number(values.rounds);
const statements = Number(values.statements);
const warmupMs = Number(values.warmup) * 1000;
if (!(rounds > 0 && statements > 0 && warmupMs >= 0)) throw new Error('--rounds and --statements must be positive, --warmup a number of seconds');

const REPLICAS = `SELECT p.n::int AS "__parent", x.* FROM unnest($1::uuid[]) WITH ORDINALITY AS p(id, n)
  CROSS JOIN LATERAL (SELECT m.name AS "name", (SELECT json_build_object('name', lo.name)
      FROM model_organisation lmo JOIN organisation lo ON lo.id = lmo.organisation_id
      WHERE lmo.model_id = m.id AND lmo.role = 'LEAD' ORDER BY lmo.organisation_id LIMIT 1) AS "__lead"
    FROM model m JOIN replication_link rl_p ON rl_p.target_model_id = m.id
    WHERE rl_p.source_model_id = p.id AND m.status <> 'ARCHIVED' ORDER BY m.search_name COLLATE "C" ASC, m.id ASC LIMIT 6) x
  ORDER BY p.n`;
const asJson = (sql: string) => `SELECT coalesce(json_agg(q), '[]'::json) AS "rows" FROM (${sql}) q`;

/** A local PostgreSQL backend's CPU so far, in ms. */
function backendCpuMs(pid: number): number {
  const ticks = processCpuTicks(pid);
  if (ticks === null) throw new Error(`PostgreSQL backend ${pid} is gone`);
  return (ticks * 1000) / CLK_TCK;
}

const median = (list: number[]) =>
  percentile(
    [...list].sort((x, y) => x - y),
    50,
  );

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL must name a database `npm run bench` has seeded');
  const client = new Client({ connectionString: process.env.DATABASE_URL, options: '-c jit=off' });
  await client.connect();
  try {
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const organisations = (await client.query<{ id: string }>(ORGANISATIONS)).rows.map((r) => r.id);
    if (organisations.length === 0) throw new Error('no organisations: seed the bench database first (npm run bench)');
    const modelRows = (await client.query<{ id: string | null }>(MODELS, [`{${organisations.join(',')}}`])).rows;
    const models = modelRows.flatMap((r) => (r.id ? [r.id] : []));
    const replicaRows = (await client.query(REPLICAS, [`{${models.join(',')}}`])).rows.length;
    log(`${organisations.length} organisations, ${modelRows.length} model rows, ${replicaRows} replica rows`);
    const forms: Array<[string, () => Promise<unknown>]> = [
      ['models page, as columns', () => client.query(MODELS, [`{${organisations.join(',')}}`])],
      ['models page, as one JSON value', () => client.query(asJson(MODELS), [`{${organisations.join(',')}}`])],
      ['replicas page, as columns', () => client.query(REPLICAS, [`{${models.join(',')}}`])],
      ['replicas page, as one JSON value', () => client.query(asJson(REPLICAS), [`{${models.join(',')}}`])],
    ];
    const started = Date.now();
    while (Date.now() - started < warmupMs) for (const [, run] of forms) await run();
    const figures = new Map<string, { user: number[]; system: number[]; postgres: number[] }>();
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, run] of forms) {
        const cpu = process.cpuUsage();
        const pg = backendCpuMs(backend);
        for (let i = 0; i < statements; i += 1) await run();
        const used = process.cpuUsage(cpu);
        const entry = figures.get(name) ?? { user: [], system: [], postgres: [] };
        entry.user.push(used.user / 1000 / statements);
        entry.system.push(used.system / 1000 / statements);
        entry.postgres.push((backendCpuMs(backend) - pg) / statements);
        figures.set(name, entry);
      }
    }
    console.log(`\n### node-postgres reading the dashboard's nested pages (${rounds} rounds of ${statements} statements, medians)\n`);
    console.log('| statement | Node user ms | Node system ms | PostgreSQL ms |');
    console.log('|---|---:|---:|---:|');
    for (const [name, f] of figures)
      console.log(`| ${name} | ${median(f.user).toFixed(3)} | ${median(f.system).toFixed(3)} | ${median(f.postgres).toFixed(2)} |`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error('bench failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
