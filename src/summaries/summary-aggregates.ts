import { Domain, ModelStatus } from '../models/model.entity';

/** Whatever runs SQL: an EntityManager, a QueryRunner (migrations) or a DataSource. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

/** The scope of every model: `Query.summary` without a filter reads it. Not an organisation id. */
export const EVERYTHING_SCOPE = '00000000-0000-0000-0000-000000000000';

/** The `period_key` of models recognised in no reporting period (key columns cannot be null). Not a period id. */
export const NO_PERIOD = '00000000-0000-0000-0000-000000000000';

interface AggregateTable {
  name: string;
  /** Key columns after (scope_id, subtree), with their SQL types. */
  keys: Array<{ column: string; type: string }>;
  value: string;
  /** The contribution of the models in `mm` (see BASE): scope_id, subtree, keys..., n. */
  select: string;
}

/*
 * What a set of models contributes. `mm`: the models with their incoming link's date;
 * `runs`: the organisations running them, with their paths; `scopes`: every scope each model
 * counts in, once: the ancestors-or-self of all its organisations (subtree), each organisation
 * (direct), and the whole graph. Ancestors come from the materialised path.
 */
function base(where: string): string {
  return `mm AS MATERIALIZED (
      SELECT m.id, m.domain, m.status, m.started_on, rl.replicated_on, coalesce(m.recognised_period_id, '${NO_PERIOD}'::uuid) AS period_key
      FROM model m LEFT JOIN replication_link rl ON rl.target_model_id = m.id
      WHERE ${where}
    ),
    runs AS MATERIALIZED (
      SELECT mo.model_id, mo.organisation_id, o.path
      FROM mm JOIN model_organisation mo ON mo.model_id = mm.id JOIN organisation o ON o.id = mo.organisation_id
    ),
    scopes AS MATERIALIZED (
      SELECT DISTINCT r.model_id, a.id::uuid AS scope_id, true AS subtree
        FROM runs r CROSS JOIN LATERAL unnest(string_to_array(trim(BOTH '/' FROM r.path), '/')) AS a(id)
      UNION ALL SELECT r.model_id, r.organisation_id, false FROM runs r
      UNION ALL SELECT mm.id, '${EVERYTHING_SCOPE}'::uuid, true FROM mm
    )`;
}

/*
 * The filter dimensions of Query.summary (domain, status, recognised period) are key columns of
 * the count, started and replicated aggregates, so any combination of them is a sum over a few
 * rows. organisationsInvolved under a filter is a distinct count of organisations, which no sum
 * gives: summary_involved_org keeps, per scope, period (and ALL_PERIODS) and organisation, the
 * organisation's non-archived models in each of the CELLS (domain x non-archived status) as one
 * row, and summary_involved_mask how many organisations of the scope and period have each set of
 * non-empty cells (a bit mask). A filter is a mask too, so the distinct count is the sum of the
 * mask rows that share a bit with it: a few hundred rows, however many organisations the scope
 * holds; with no filter, the sum of every mask over all periods.
 */
const DOMAIN_KEY = { column: 'domain', type: 'model_domain' };
const STATUS_KEY = { column: 'status', type: 'model_status' };
const PERIOD_KEY = { column: 'period_key', type: 'uuid' };

/** The `period_key` of summary_involved_org and summary_involved_mask rows summed over every period (and none). Not a period id. */
export const ALL_PERIODS = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** The statuses organisationsInvolved looks at (archived models involve no organisation). */
const INVOLVING_STATUSES = Object.values(ModelStatus).filter((s) => s !== ModelStatus.ARCHIVED);

/** The cells of summary_involved_org, in bit order: bit d * statuses + s is domain d with status s. */
export const CELLS: ReadonlyArray<{ domain: Domain; status: ModelStatus }> = Object.values(Domain).flatMap((domain) =>
  INVOLVING_STATUSES.map((status) => ({ domain, status })),
);

/** summary_involved_org's count columns, one per cell (n0 ... n11). */
export const CELL_COLUMNS = CELLS.map((_, i) => `n${i}`);

/** The bit mask of the cells a domain and status filter selects (every domain, or status, when not given). */
export function cellMask(domains: readonly Domain[] | null | undefined, statuses: readonly ModelStatus[] | null | undefined): number {
  return CELLS.reduce(
    (mask, c, i) => ((!domains?.length || domains.includes(c.domain)) && (!statuses?.length || statuses.includes(c.status)) ? mask | (1 << i) : mask),
    0,
  );
}

/** SQL: the cell index of a non-archived model `mm`. */
const CELL_OF = `CASE ${CELLS.map((c, i) => `WHEN mm.domain = '${c.domain}' AND mm.status = '${c.status}' THEN ${i}`).join(' ')} END`;

/** SQL: the bit mask of the non-empty cells of a row whose counts are `col(i)`. */
const maskOf = (col: (i: number) => string) => CELL_COLUMNS.map((_, i) => `(CASE WHEN ${col(i)} > 0 THEN ${1 << i} ELSE 0 END)`).join(' + ');

/**
 * summary_model: one narrow row per model with what a summary reads of it (its incoming link's
 * date: a model has at most one source; its organisations as small integer keys, see
 * summary_organisation_key), for the filters no aggregate keys (free text, start-date ranges): a
 * scan of it needs no join. Written first.
 */
const FACT_COLUMNS = ['domain', 'status', 'started_on', 'recognised_period_id', 'replicated_on', 'search_name', 'organisation_key', 'more_organisation_keys'];
/** The facts of model `m` (with its incoming link `rl`) but the organisations, in FACT_COLUMNS order. */
const FACT_SELECT = 'm.domain, m.status, m.started_on, m.recognised_period_id, rl.replicated_on, m.search_name';
/** The organisation columns (organisation_key, more_organisation_keys) from `keys`, a model's sorted keys (null when none). */
const KEY_SELECT = (keys: string) => `${keys}[1] AS organisation_key, CASE WHEN cardinality(${keys}) > 1 THEN ${keys}[2:] END AS more_organisation_keys`;

/**
 * Gives a key (summary_organisation_key) to every organisation of model_organisation rows meeting
 * `where` (over `mo`) that has none. A statement of its own before the keys are read: a concurrent
 * writer that gave the same organisation a key first makes this one wait, then skip it, and the
 * next statement sees that key.
 */
const keysFor = (where: string) =>
  `INSERT INTO summary_organisation_key (organisation_id, key)
   SELECT x.organisation_id, nextval('summary_organisation_key_seq') FROM (
     SELECT DISTINCT mo.organisation_id FROM model_organisation mo
     WHERE ${where} AND NOT EXISTS (SELECT 1 FROM summary_organisation_key k WHERE k.organisation_id = mo.organisation_id)
     ORDER BY 1
   ) x
   ON CONFLICT (organisation_id) DO NOTHING`;

/** In lock order (after summary_model): every writer touches the tables in this order, rows sorted by key. */
const TABLES: AggregateTable[] = [
  {
    name: 'summary_count',
    keys: [PERIOD_KEY, DOMAIN_KEY, STATUS_KEY],
    value: 'models',
    select: `SELECT s.scope_id, s.subtree, mm.period_key, mm.domain, mm.status, count(*)::int AS n
             FROM scopes s JOIN mm ON mm.id = s.model_id GROUP BY 1, 2, 3, 4, 5`,
  },
  {
    name: 'summary_started',
    keys: [{ column: 'started_on', type: 'date' }, DOMAIN_KEY, STATUS_KEY, PERIOD_KEY],
    value: 'models',
    select: `SELECT s.scope_id, s.subtree, mm.started_on, mm.domain, mm.status, mm.period_key, count(*)::int AS n
             FROM scopes s JOIN mm ON mm.id = s.model_id WHERE mm.started_on IS NOT NULL AND mm.status <> 'ARCHIVED' GROUP BY 1, 2, 3, 4, 5, 6`,
  },
  {
    name: 'summary_replicated',
    keys: [{ column: 'replicated_on', type: 'date' }, DOMAIN_KEY, STATUS_KEY, PERIOD_KEY],
    value: 'links',
    select: `SELECT s.scope_id, s.subtree, mm.replicated_on, mm.domain, mm.status, mm.period_key, count(*)::int AS n
             FROM scopes s JOIN mm ON mm.id = s.model_id WHERE mm.replicated_on IS NOT NULL AND mm.status <> 'ARCHIVED' GROUP BY 1, 2, 3, 4, 5, 6`,
  },
  {
    // Written by involvedStatement (one row per scope, period and organisation, a count per cell), then summary_involved_mask.
    name: 'summary_involved_org',
    keys: [PERIOD_KEY, { column: 'organisation_id', type: 'uuid' }, { column: 'cell', type: 'int' }],
    value: 'models',
    select: `SELECT s.scope_id, s.subtree, mm.period_key, r.organisation_id, ${CELL_OF} AS cell, count(*)::int AS n
             FROM scopes s JOIN mm ON mm.id = s.model_id JOIN runs r ON r.model_id = s.model_id
             WHERE mm.status <> 'ARCHIVED' GROUP BY 1, 2, 3, 4, 5`,
  },
];
const INVOLVED_ORG = TABLES.length - 1;

/**
 * The organisation rows (with their ALL_PERIODS sums) from `cells` (scope_id, subtree, period_key,
 * organisation_id, cell, n): one row per key, a sum per cell column.
 */
function orgRowsFrom(cells: string): string {
  return `SELECT scope_id, subtree, period_key, organisation_id, ${CELL_COLUMNS.map((c, i) => `coalesce(sum(n) FILTER (WHERE cell = ${i}), 0)::int AS ${c}`).join(', ')}
    FROM (SELECT scope_id, subtree, period_key, organisation_id, cell, n FROM ${cells}
          UNION ALL SELECT scope_id, subtree, '${ALL_PERIODS}'::uuid, organisation_id, cell, n FROM ${cells}) c
    GROUP BY 1, 2, 3, 4`;
}

/** CTEs ending a statement that fill the (empty) summary_involved_org and summary_involved_mask from `cells`. */
function involvedFill(cells: string): string {
  return `orgs AS MATERIALIZED (${orgRowsFrom(cells)}),
    io AS (INSERT INTO summary_involved_org (scope_id, subtree, period_key, organisation_id, ${CELL_COLUMNS.join(', ')})
           SELECT scope_id, subtree, period_key, organisation_id, ${CELL_COLUMNS.join(', ')} FROM orgs ORDER BY 1, 2, 3, 4),
    im AS (INSERT INTO summary_involved_mask (scope_id, subtree, period_key, mask, organisations)
           SELECT scope_id, subtree, period_key, ${maskOf((i) => `n${i}`)}, count(*)::int FROM orgs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4)
    SELECT 1`;
}

/**
 * One statement: adds the organisation rows' deltas (`delta`: scope_id, subtree, period_key,
 * organisation_id, n0...), then moves each row whose set of non-empty cells changed from its old
 * mask to its new one in summary_involved_mask. The old mask is the new row minus the delta: the
 * upsert holds the row's lock, so concurrent writers of one organisation see each other's
 * committed rows and their moves chain (old of the second = new of the first). Returns the rows
 * (of both tables) that reached zero.
 */
function involvedStatement(prelude: string): string {
  const key = 'scope_id, subtree, period_key, organisation_id';
  return `WITH ${prelude},
    up AS (
      INSERT INTO summary_involved_org AS a (${key}, ${CELL_COLUMNS.join(', ')})
      SELECT ${key}, ${CELL_COLUMNS.join(', ')} FROM delta ORDER BY ${key}
      ON CONFLICT (${key}) DO UPDATE SET ${CELL_COLUMNS.map((c) => `${c} = a.${c} + excluded.${c}`).join(', ')}
      RETURNING ${key}, ${CELL_COLUMNS.join(', ')}
    ),
    moves AS (
      SELECT up.scope_id, up.subtree, up.period_key, up.organisation_id,
        ${maskOf((i) => `up.n${i} - d.n${i}`)} AS old_mask, ${maskOf((i) => `up.n${i}`)} AS new_mask
      FROM up JOIN delta d USING (${key})
    ),
    mk AS (
      INSERT INTO summary_involved_mask AS a (scope_id, subtree, period_key, mask, organisations)
      SELECT scope_id, subtree, period_key, mask, sum(n)::int FROM (
        SELECT scope_id, subtree, period_key, old_mask AS mask, -1 AS n FROM moves WHERE old_mask <> new_mask AND old_mask <> 0
        UNION ALL
        SELECT scope_id, subtree, period_key, new_mask, 1 FROM moves WHERE old_mask <> new_mask AND new_mask <> 0
      ) x GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
      ON CONFLICT (scope_id, subtree, period_key, mask) DO UPDATE SET organisations = a.organisations + excluded.organisations
      RETURNING scope_id, subtree, period_key, mask, organisations
    )
    SELECT 'org' AS t, scope_id::text AS scope_id, subtree, period_key::text AS period_key, organisation_id::text AS k FROM moves WHERE new_mask = 0
    UNION ALL
    SELECT 'mask', scope_id::text, subtree, period_key::text, mask::text FROM mk WHERE organisations = 0`;
}

/** Aggregate rows as columns (keys as text), per table in TABLES order. */
interface Rows {
  scope: string[];
  subtree: boolean[];
  keys: string[][];
  n: number[];
}

/** What some models contributed when withdrawn: subtracted again by `contribute`. */
export interface Withdrawn {
  modelIds: string[];
  rows: Rows[];
}

const emptyRows = (t: AggregateTable): Rows => ({ scope: [], subtree: [], keys: t.keys.map(() => []), n: [] });

type Zeros = Array<{ table: AggregateTable; rows: Rows }>;
type InvolvedZeros = Array<{ t: 'org' | 'mask'; scope_id: string; subtree: boolean; period_key: string; k: string }>;

/** Deletes the rows that reached zero: only rows this transaction has just updated (and so holds locks on), and only if still zero. */
async function deleteZeros(db: Queryable, zeros: Zeros, involvedZeros: InvolvedZeros): Promise<void> {
  if (!zeros.length && !involvedZeros.length) return;
  // Only rows this transaction has just updated (and so holds locks on), and only if still zero.
  const params: unknown[] = [];
  const add = (v: unknown) => `$${params.push(v)}`;
  const deletes = zeros.map(({ table: t, rows }, i) => {
    const cols = ['scope_id', 'subtree', ...t.keys.map((k) => k.column)];
    const arrays = [`${add(rows.scope)}::uuid[]`, `${add(rows.subtree)}::boolean[]`, ...t.keys.map((k, j) => `${add(rows.keys[j])}::text[]`)];
    const casts = ['z.scope_id', 'z.subtree', ...t.keys.map((k) => `z.${k.column}::${k.type}`)];
    return `d${i} AS (DELETE FROM ${t.name} a USING unnest(${arrays.join(', ')}) AS z(${cols.join(', ')})
              WHERE (${cols.map((c) => `a.${c}`).join(', ')}) = (${casts.join(', ')}) AND a.${t.value} = 0)`;
  });
  for (const [kind, table, column, type, empty] of [
    ['org', 'summary_involved_org', 'organisation_id', 'uuid', CELL_COLUMNS.map((c) => `a.${c} = 0`).join(' AND ')],
    ['mask', 'summary_involved_mask', 'mask', 'int', 'a.organisations = 0'],
  ] as const) {
    const rows = involvedZeros.filter((z) => z.t === kind);
    if (!rows.length) continue;
    const arrays = [rows.map((z) => z.scope_id), rows.map((z) => z.subtree), rows.map((z) => z.period_key), rows.map((z) => z.k)].map(add);
    deletes.push(`d${kind} AS (DELETE FROM ${table} a USING unnest(${arrays[0]}::uuid[], ${arrays[1]}::boolean[], ${arrays[2]}::uuid[], ${arrays[3]}::text[]) AS z(scope_id, subtree, period_key, k)
              WHERE (a.scope_id, a.subtree, a.period_key, a.${column}) = (z.scope_id, z.subtree, z.period_key, z.k::${type}) AND ${empty})`);
  }
  await db.query(`WITH ${deletes.join(', ')} SELECT 1`, params);
}

/**
 * Keeps the summary aggregates equal to a count over the base tables, in the caller's
 * transaction. Every change that can move a figure reads what the affected models contribute
 * before it (`withdraw`: a read, no locks) and applies new minus old after it (`contribute`):
 * one `INSERT ... ON CONFLICT DO UPDATE` per table, rows sorted by key and tables always in the
 * same order, so concurrent writers lock aggregate rows in one global order (no deadlock), and
 * keys whose figure does not move are not written at all. Rows that reach zero are deleted.
 *
 * The caller must hold locks that keep the affected models' inputs (the model row, its link, its
 * organisations' paths) from changing between the two calls.
 */
export const summaryAggregates = {
  async withdraw(db: Queryable, modelIds: readonly string[]): Promise<Withdrawn> {
    const ids = [...new Set(modelIds)];
    const rows = TABLES.map(emptyRows);
    if (ids.length === 0) return { modelIds: ids, rows };
    const width = Math.max(...TABLES.map((t) => t.keys.length));
    const union = TABLES.map((t, i) => {
      const keys = Array.from({ length: width }, (_, k) => `${t.keys[k] ? `x.${t.keys[k].column}::text` : 'NULL::text'} AS k${k}`);
      return `SELECT ${i} AS t, x.scope_id, x.subtree, ${keys.join(', ')}, x.n FROM (${t.select}) x`;
    }).join(' UNION ALL ');
    const found: Array<{ t: number; scope_id: string; subtree: boolean; n: number } & Record<string, string>> = await db.query(
      `WITH ${base('m.id = ANY($1::uuid[])')} ${union}`,
      [ids],
    );
    for (const r of found) {
      const into = rows[r.t];
      into.scope.push(r.scope_id);
      into.subtree.push(r.subtree);
      into.keys.forEach((column, k) => column.push(r[`k${k}`]));
      into.n.push(r.n);
    }
    return { modelIds: ids, rows };
  },

  /**
   * Adds what the models contribute now, minus what `withdrawn` held (pass a plain id list for
   * new models). The union of both model sets is recomputed.
   */
  async contribute(db: Queryable, what: Withdrawn | readonly string[]): Promise<void> {
    const withdrawn: Withdrawn = Array.isArray(what) ? { modelIds: [...what], rows: TABLES.map(emptyRows) } : (what as Withdrawn);
    const ids = [...new Set(withdrawn.modelIds)];
    if (ids.length === 0) return;
    await summaryAggregates.refreshModels(db, ids);
    const zeros: Zeros = [];
    // Rows of the involved-organisation tables that reached zero (the other tables' are in `zeros`).
    const involvedZeros: InvolvedZeros = [];
    for (const [i, t] of TABLES.entries()) {
      const old = withdrawn.rows[i];
      const cols = ['scope_id', 'subtree', ...t.keys.map((k) => k.column)];
      const oldKeys = t.keys.map((k, j) => `$${4 + j}::text[]`).join(', ');
      const oldCols = t.keys.map((k) => `b.${k.column}::${k.type}`).join(', ');
      if (i === INVOLVED_ORG) {
        const cells = `cells AS (
            SELECT * FROM (${t.select}) x
            UNION ALL
            SELECT b.scope_id, b.subtree, ${oldCols}, -b.n
            FROM unnest($2::uuid[], $3::boolean[], ${oldKeys}, $${4 + t.keys.length}::int[]) AS b(scope_id, subtree, ${t.keys.map((k) => k.column).join(', ')}, n)
          ),
          delta AS (SELECT * FROM (${orgRowsFrom('cells')}) r WHERE ${CELL_COLUMNS.map((c) => `r.${c} <> 0`).join(' OR ')})`;
        involvedZeros.push(
          ...(await db.query(involvedStatement(`${base('m.id = ANY($1::uuid[])')}, ${cells}`), [ids, old.scope, old.subtree, ...old.keys, old.n])),
        );
        continue;
      }
      const changed: Array<Record<string, unknown>> = await db.query(
        `WITH ${base('m.id = ANY($1::uuid[])')},
         delta AS (
           SELECT * FROM (${t.select}) x
           UNION ALL
           SELECT b.scope_id, b.subtree, ${oldCols}, -b.n
           FROM unnest($2::uuid[], $3::boolean[], ${oldKeys}, $${4 + t.keys.length}::int[]) AS b(scope_id, subtree, ${t.keys.map((k) => k.column).join(', ')}, n)
         )
         INSERT INTO ${t.name} AS a (${cols.join(', ')}, ${t.value})
         SELECT ${cols.join(', ')}, sum(n)::int FROM delta GROUP BY ${cols.join(', ')} HAVING sum(n) <> 0
         ORDER BY ${cols.join(', ')}
         ON CONFLICT (${cols.join(', ')}) DO UPDATE SET ${t.value} = a.${t.value} + excluded.${t.value}
         RETURNING ${cols.map((c) => `${c}::text AS ${c}`).join(', ')}, ${t.value} AS n`,
        [ids, old.scope, old.subtree, ...old.keys, old.n],
      );
      const gone = changed.filter((r) => Number(r.n) === 0);
      if (gone.length) {
        const rows = emptyRows(t);
        for (const r of gone) {
          rows.scope.push(String(r.scope_id));
          rows.subtree.push(r.subtree === 'true');
          t.keys.forEach((k, j) => rows.keys[j].push(String(r[k.column])));
        }
        zeros.push({ table: t, rows });
      }
    }
    await deleteZeros(db, zeros, involvedZeros);
  },

  /**
   * Recomputes every aggregate from the base tables (migration, bulk loads): summary_model, then the
   * rest in one statement. Rows are written in key order, so a scope's rows over a date range sit on
   * a few pages (a range sum reads tens of pages, not one page per row); later writes mostly update
   * rows in place.
   */
  async rebuild(db: Queryable): Promise<void> {
    await db.query(`TRUNCATE ${TABLES.map((t) => t.name).join(', ')}, summary_involved_mask`);
    await summaryAggregates.rebuildModels(db);
    const inserts = TABLES.filter((_, i) => i !== INVOLVED_ORG).map(
      (t, i) =>
        `i${i} AS (INSERT INTO ${t.name} (scope_id, subtree, ${t.keys.map((k) => k.column).join(', ')}, ${t.value})
         SELECT * FROM (${t.select}) x ORDER BY ${['scope_id', 'subtree', ...t.keys.map((k) => k.column)].join(', ')})`,
    );
    await db.query(
      `WITH ${base('true')}, ${inserts.join(', ')},
       cells AS MATERIALIZED (${TABLES[INVOLVED_ORG].select}),
       ${involvedFill('cells')}`,
    );
  },

  /** Recomputes summary_model from the base tables (rebuild; a migration that changes its columns), giving keys to organisations that have none. */
  async rebuildModels(db: Queryable): Promise<void> {
    await db.query(`TRUNCATE summary_model`);
    await db.query(keysFor('true'));
    await db.query(
      `INSERT INTO summary_model (model_id, ${FACT_COLUMNS.join(', ')})
       SELECT m.id, ${FACT_SELECT}, ${KEY_SELECT('mo.keys')}
       FROM model m LEFT JOIN replication_link rl ON rl.target_model_id = m.id
       LEFT JOIN (
         SELECT mo.model_id, array_agg(k.key ORDER BY k.key) AS keys
         FROM model_organisation mo JOIN summary_organisation_key k ON k.organisation_id = mo.organisation_id GROUP BY 1
       ) mo ON mo.model_id = m.id`,
    );
  },

  /**
   * Brings the summary_model rows of these models up to date (a renamed model: its search text).
   * `contribute` calls it; the caller's locks keep the models' inputs steady, so the row it writes
   * is the models' state at commit. Rows that do not change are not written.
   */
  async refreshModels(db: Queryable, modelIds: readonly string[]): Promise<void> {
    const ids = [...new Set(modelIds)].sort();
    if (ids.length === 0) return;
    await db.query(keysFor('mo.model_id = ANY($1::uuid[])'), [ids]);
    await db.query(
      `WITH src AS (
         SELECT m.id AS model_id, ${FACT_SELECT}, ${KEY_SELECT('mo.keys')}
         FROM model m LEFT JOIN replication_link rl ON rl.target_model_id = m.id
         CROSS JOIN LATERAL (
           SELECT array_agg(k.key ORDER BY k.key) AS keys
           FROM model_organisation mo JOIN summary_organisation_key k ON k.organisation_id = mo.organisation_id WHERE mo.model_id = m.id
         ) mo
         WHERE m.id = ANY($1::uuid[])
       ),
       gone AS (DELETE FROM summary_model a WHERE a.model_id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM src WHERE src.model_id = a.model_id))
       INSERT INTO summary_model AS a (model_id, ${FACT_COLUMNS.join(', ')})
       SELECT model_id, ${FACT_COLUMNS.join(', ')} FROM src ORDER BY model_id
       ON CONFLICT (model_id) DO UPDATE SET ${FACT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}
       WHERE (${FACT_COLUMNS.map((c) => `a.${c}`).join(', ')}) IS DISTINCT FROM (${FACT_COLUMNS.map((c) => `excluded.${c}`).join(', ')})`,
      [ids],
    );
  },
};
