import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../src/shared/config';
import { openDatabase } from '../src/db/data-source';
import { stableUuid } from '../src/shared/ids';
import { normaliseText } from '../src/shared/text';
import { summaryAggregates } from '../src/summaries/summary-aggregates';

/** Marks every synthetic record: names start with it, so nobody takes them for real data. */
export const SYNTHETIC_PREFIX = '[synthetic]';
const DOMAINS = ['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM'];
const STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'PILOT', 'SUSPENDED', 'ARCHIVED'];
const WORDS = ['Phân loại rác', 'Camera an ninh', 'Trồng rau sạch', 'Dòng họ học tập', 'Tổ Dân vận', 'Nuôi cá lồng', 'Hiến máu', 'Đoạn đường tự quản'];

/** Deterministic pseudo-random numbers (mulberry32), so the same arguments give the same city. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticSize {
  organisations: number;
  models: number;
  links: number;
  seed?: number;
}

/**
 * Builds a synthetic city: a root, wards under it, bodies under the wards; models led by random
 * organisations over 2020-2025; replication links that form a forest (each replica has one source
 * created before it, so there are no cycles). Ids are derived from the seed: running it twice
 * with the same arguments inserts nothing new. Batched inserts, one transaction per table chunk.
 */
export async function generateSynthetic(db: DataSource, size: SyntheticSize): Promise<void> {
  const rnd = random(size.seed ?? 42);
  const ns = `synthetic-${size.seed ?? 42}`;
  const orgIds: string[] = [];
  const orgRows: unknown[][] = [];
  const paths: string[] = [];
  for (let i = 0; i < size.organisations; i += 1) {
    const id = stableUuid(`${ns}-org`, String(i));
    let parent: number | null = null;
    if (i > 0 && i <= Math.max(1, Math.floor(size.organisations / 20)))
      parent = 0; // wards under the city
    else if (i > 0) parent = 1 + Math.floor(rnd() * Math.max(1, Math.floor(size.organisations / 20)));
    if (parent !== null && parent >= i) parent = 0;
    const path = `${parent === null ? '/' : paths[parent]}${id}/`;
    const kind =
      i === 0
        ? 'CITY'
        : parent === 0
          ? rnd() < 0.7
            ? 'WARD'
            : 'COMMUNE'
          : ['MASS_ORGANISATION', 'ASSOCIATION', 'POLICE', 'FATHERLAND_FRONT', 'PARTY_COMMITTEE'][Math.floor(rnd() * 5)];
    const name = `${SYNTHETIC_PREFIX} ${i === 0 ? 'Thành phố' : parent === 0 ? 'Phường' : 'Tổ chức'} ${i}`;
    orgIds.push(id);
    paths.push(path);
    orgRows.push([id, name, kind, parent === null ? null : orgIds[parent], path, normaliseText(name)]);
  }
  const periodId = stableUuid(`${ns}-period`, '2023-H1');
  await db.query(
    `INSERT INTO reporting_period (id, code, label, starts_on, ends_on) VALUES ($1, '2023-H1', '6 tháng đầu năm 2023', '2023-01-01', '2023-06-30') ON CONFLICT DO NOTHING`,
    [periodId],
  );
  const [period] = await db.query(`SELECT id FROM reporting_period WHERE code = '2023-H1'`);
  let inserted = 0;
  inserted += await insertChunks(
    db,
    'organisation (id, name, kind, parent_id, path, search_name)',
    ['uuid', 'text', 'organisation_kind', 'uuid', 'text', 'text'],
    orgRows,
  );

  const modelIds: string[] = [];
  const modelRows: unknown[][] = [];
  const runRows: unknown[][] = [];
  for (let i = 0; i < size.models; i += 1) {
    const id = stableUuid(`${ns}-model`, String(i));
    const name = `${SYNTHETIC_PREFIX} ${WORDS[i % WORDS.length]} ${i}`;
    const day = Math.floor(rnd() * 365 * 6);
    const started = new Date(Date.UTC(2020, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
    modelIds.push(id);
    modelRows.push([
      id,
      name,
      DOMAINS[Math.floor(rnd() * 4)],
      STATUSES[Math.floor(rnd() * STATUSES.length)],
      started,
      started >= '2023-01-01' && started <= '2023-06-30' ? period.id : null,
      normaliseText(name),
    ]);
    runRows.push([id, orgIds[Math.floor(rnd() * orgIds.length)], 'LEAD']);
  }
  inserted += await insertChunks(
    db,
    'model (id, name, domain, status, started_on, recognised_period_id, search_name)',
    ['uuid', 'text', 'model_domain', 'model_status', 'date', 'uuid', 'text'],
    modelRows,
  );
  inserted += await insertChunks(db, 'model_organisation (model_id, organisation_id, role)', ['uuid', 'uuid', 'model_role'], runRows);

  // Each link's target is a distinct model with a higher index than its source: a forest.
  const linkRows: unknown[][] = [];
  const targets = new Set<number>();
  const limit = Math.min(size.links, Math.max(0, size.models - 1));
  while (linkRows.length < limit) {
    const target = 1 + Math.floor(rnd() * (size.models - 1));
    if (targets.has(target)) continue;
    targets.add(target);
    const source = Math.floor(rnd() * target);
    linkRows.push([stableUuid(`${ns}-link`, String(target)), modelIds[source], modelIds[target], modelRows[target][4]]);
  }
  inserted += await insertChunks(db, 'replication_link (id, source_model_id, target_model_id, replicated_on)', ['uuid', 'uuid', 'uuid', 'date'], linkRows);
  await db.query(
    `UPDATE model m SET replica_count = c.n FROM (SELECT source_model_id, count(*)::int n FROM replication_link GROUP BY 1) c
     WHERE m.id = c.source_model_id AND m.replica_count <> c.n`,
  );
  // Bulk inserts bypass the services: recompute the summary aggregates once (only if anything was added).
  if (inserted > 0) await db.transaction((m) => summaryAggregates.rebuild(m));
  // Statistics for the planner, and a visibility map so counts over the aggregates stay index-only
  // (autovacuum would get there later; a benchmark right after the load would scan the heap).
  await db.query('VACUUM ANALYZE');
}

/** Inserts rows in chunks, skipping those present; returns how many were new. */
async function insertChunks(db: DataSource, target: string, types: string[], rows: unknown[][]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += 5000) {
    const chunk = rows.slice(start, start + 5000);
    const columns = types.map((type, c) => `unnest($${c + 1}::${type}[])`).join(', ');
    const [row] = await db.query(
      `WITH ins AS (INSERT INTO ${target} SELECT ${columns} ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*)::int AS n FROM ins`,
      types.map((_, c) => chunk.map((row) => row[c])),
    );
    inserted += row.n;
  }
  return inserted;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      organisations: { type: 'string', default: '2000' },
      models: { type: 'string', default: '20000' },
      links: { type: 'string', default: '15000' },
      seed: { type: 'string', default: '42' },
    },
  });
  const size = { organisations: Number(values.organisations), models: Number(values.models), links: Number(values.links), seed: Number(values.seed) };
  if (!Object.values(size).every((n) => Number.isInteger(n) && n >= 0) || size.organisations < 1) {
    throw new ConfigError('--organisations (≥ 1), --models, --links and --seed must be whole numbers.');
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await db.dataSource.runMigrations({ transaction: 'each' });
    const started = Date.now();
    await generateSynthetic(db.dataSource, size);
    console.log(
      `Synthetic city ${JSON.stringify(size)} loaded in ${((Date.now() - started) / 1000).toFixed(1)} s into ${config.databaseUrl ? 'PostgreSQL' : config.dataDir}.`,
    );
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof ConfigError ? `Error: ${error.message}` : error);
    process.exit(1);
  });
}
