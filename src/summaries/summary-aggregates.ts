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
 * rows; summary_involved_cell keeps the same per organisation, for organisationsInvolved under a
 * filter (a distinct count). summary_involved stays for the unfiltered figure (a plain count).
 */
const DOMAIN_KEY = { column: 'domain', type: 'model_domain' };
const STATUS_KEY = { column: 'status', type: 'model_status' };
const PERIOD_KEY = { column: 'period_key', type: 'uuid' };

/** In lock order: every writer touches the tables in this order, rows sorted by key. */
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
    name: 'summary_involved',
    keys: [{ column: 'organisation_id', type: 'uuid' }],
    value: 'models',
    select: `SELECT s.scope_id, s.subtree, r.organisation_id, count(*)::int AS n
             FROM scopes s JOIN mm ON mm.id = s.model_id JOIN runs r ON r.model_id = s.model_id
             WHERE mm.status <> 'ARCHIVED' GROUP BY 1, 2, 3`,
  },
  {
    name: 'summary_involved_cell',
    keys: [DOMAIN_KEY, STATUS_KEY, PERIOD_KEY, { column: 'organisation_id', type: 'uuid' }],
    value: 'models',
    select: `SELECT s.scope_id, s.subtree, mm.domain, mm.status, mm.period_key, r.organisation_id, count(*)::int AS n
             FROM scopes s JOIN mm ON mm.id = s.model_id JOIN runs r ON r.model_id = s.model_id
             WHERE mm.status <> 'ARCHIVED' GROUP BY 1, 2, 3, 4, 5, 6`,
  },
];

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
    const zeros: Array<{ table: AggregateTable; rows: Rows }> = [];
    for (const [i, t] of TABLES.entries()) {
      const old = withdrawn.rows[i];
      const cols = ['scope_id', 'subtree', ...t.keys.map((k) => k.column)];
      const oldKeys = t.keys.map((k, j) => `$${4 + j}::text[]`).join(', ');
      const oldCols = t.keys.map((k) => `b.${k.column}::${k.type}`).join(', ');
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
    if (zeros.length) {
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
      await db.query(`WITH ${deletes.join(', ')} SELECT 1`, params);
    }
  },

  /** Recomputes every aggregate from the base tables (migration, bulk loads). One statement. */
  async rebuild(db: Queryable): Promise<void> {
    await db.query(`TRUNCATE ${TABLES.map((t) => t.name).join(', ')}`);
    const inserts = TABLES.map(
      (t, i) => `i${i} AS (INSERT INTO ${t.name} (scope_id, subtree, ${t.keys.map((k) => k.column).join(', ')}, ${t.value}) ${t.select})`,
    );
    await db.query(`WITH ${base('true')}, ${inserts.join(', ')} SELECT 1`);
  },
};
