import type { DataSource } from 'typeorm';
import { Domain, ModelStatus } from '../models/model.entity';
import type { ModelFilter } from '../models/model.inputs';
import { modelConditions } from '../models/model.sql';
import { NotFoundError } from '../shared/errors';
import { SqlParams } from '../shared/sql';
import { normaliseText, searchCondition } from '../shared/text';
import { ALL_PERIODS, cellMask, EVERYTHING_SCOPE } from './summary-aggregates';
import type { ModelSummary } from './summary.types';
import { withFields } from '../shared/objects';

export interface SummaryKey {
  organisationId: string;
  /** Period code, or null for all time. */
  period: string | null;
  includeDescendants: boolean;
}

interface ScopeKey {
  scopeId: string;
  subtree: boolean;
  period: string | null;
}

interface SummaryRow {
  /** The set's figures per domain and per status (figuresArray: zeros for an empty set, never null). */
  figures: number[];
  /** Or the error of an unknown period (see checkPeriods). */
  started: number | null | NotFoundError;
  replicated: number | null | NotFoundError;
  organisations: number;
  /** The period's code when it exists (null when unknown or not asked). */
  found: string | null;
  period: string | null;
}

const DOMAINS = Object.values(Domain);
const STATUSES = Object.values(ModelStatus);

/**
 * A set's figures as one int[] column, in a fixed order: the non-archived models per domain (in
 * Domain's order), then the models per status (in ModelStatus's order, ARCHIVED among them), from
 * rows of `alias` with `domain` and `status` columns and `measure` as the aggregate of the models
 * they stand for (`count(*)`, `sum(c.models)`). A handful of integers per set instead of a JSON
 * cell list: nothing to tally or look up in Node (toSummary), and less for PostgreSQL to build.
 */
function figuresArray(alias: string, measure: string): string {
  const of = (condition: string) => `coalesce(${measure} FILTER (WHERE ${condition}), 0)`;
  return `ARRAY[${[
    ...DOMAINS.map((d) => of(`${alias}.domain = '${d}' AND ${alias}.status <> 'ARCHIVED'`)),
    ...STATUSES.map((st) => of(`${alias}.status = '${st}'`)),
  ].join(', ')}]::int[]`;
}

function toSummary(r: SummaryRow | undefined): ModelSummary {
  const figures = r?.figures;
  let total = 0;
  const byDomain = DOMAINS.map((domain, i) => {
    const count = figures?.[i] ?? 0;
    total += count;
    return { domain, count };
  });
  return {
    totalModels: total,
    byDomain,
    byStatus: STATUSES.map((status, i) => ({ status, count: figures?.[DOMAINS.length + i] ?? 0 })),
    startedInPeriod: (r?.started ?? null) as number | null,
    replicatedInPeriod: (r?.replicated ?? null) as number | null,
    organisationsInvolved: r?.organisations ?? 0,
  };
}

/**
 * An unknown period makes the period figures of that summary an error of their own: an Error as a
 * field's value is that field's error (graphql-js and graphql-jit alike), and both fields are
 * nullable, so the error stays there instead of nulling the summary and its parents.
 */
function checkPeriods(rows: SummaryRow[]): void {
  for (const r of rows) {
    if (r.period !== null && r.found === null) {
      const error = new NotFoundError('Reporting period', r.period);
      Object.assign(error.extensions, { argument: 'period' });
      Object.assign(r, { started: error, replicated: error });
    }
  }
}

/** Whether a filter selects exactly a scope the aggregates keep (an organisation, its subtree, or everything). */
export function isScopeOnly(f: ModelFilter | null | undefined): boolean {
  if (!f) return true;
  return !f.domain?.length && !f.status?.length && !f.period && summaryPath(f) === 'aggregate';
}

/**
 * Which path answers `Query.summary` for a filter: the aggregates for any mix of organisation
 * scope, domain, status and recognised period; a scan (one GROUP BY over the matching models)
 * only for free text and start-date ranges, which the aggregates do not key.
 */
export function summaryPath(f: ModelFilter | null | undefined): 'aggregate' | 'scan' {
  return f && (f.startedFrom || f.startedTo || (f.search && normaliseText(f.search))) ? 'scan' : 'aggregate';
}

/**
 * Summary figures. Organisation scopes (and the unfiltered whole) read the maintained aggregates
 * (summary-aggregates.ts): one statement for every key of a DataLoader batch, however many models
 * they cover; so do Query.summary's domain, status and recognised-period filters, alone or
 * combined with a scope (one statement). Free text and start-date ranges are one GROUP BY
 * statement over the filtered models (summaryPath).
 *
 * Semantics, the same on both paths: archived models count in byStatus only; every other figure
 * (totalModels, byDomain, startedInPeriod, replicatedInPeriod, organisationsInvolved) is over the
 * non-archived models of the set. An unknown period is a NOT_FOUND error on the two period
 * figures alone (they are nullable): the rest of the summary, and whatever holds it, still answers.
 */
export class SummaryService {
  constructor(private readonly db: DataSource) {}

  /** DataLoader batch for `Organisation.summary`. An unknown period is NOT_FOUND. */
  async forOrganisations(keys: readonly SummaryKey[]): Promise<ModelSummary[]> {
    return this.fromAggregates(keys.map((k) => ({ scopeId: k.organisationId, subtree: k.includeDescendants, period: k.period })));
  }

  /**
   * `Query.summary`: the models a `models` filter selects, except that archived models stay in the
   * set unless a status list says otherwise (so the figures match Organisation.summary).
   */
  async forFilter(filter: ModelFilter | null | undefined, period: string | null): Promise<ModelSummary> {
    const scope = filter?.organisationId
      ? { scopeId: filter.organisationId, subtree: filter.includeDescendants !== false, period }
      : { scopeId: EVERYTHING_SCOPE, subtree: true, period };
    if (isScopeOnly(filter)) return (await this.fromAggregates([scope]))[0];
    if (summaryPath(filter) === 'aggregate') return this.fromFilteredAggregates(scope, filter as ModelFilter);
    if (!filter?.organisationId) return this.fromModelRows(filter as ModelFilter, period);
    const params = new SqlParams();
    const where = modelConditions(withFields(filter, { includeArchived: true }) as ModelFilter, params);
    const p = params.add(period);
    const [row]: SummaryRow[] = await this.db.query(
      `WITH ms AS MATERIALIZED (
         SELECT m.id, m.domain, m.status, m.started_on FROM model m ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ),
       rp AS (SELECT code, starts_on, ends_on FROM reporting_period WHERE code = ${p}::text)
       SELECT ${p}::text AS period, (SELECT code FROM rp) AS found,
         (SELECT ${figuresArray('ms', 'count(*)')} FROM ms) AS figures,
         (SELECT count(*)::int FROM ms, rp WHERE ms.started_on BETWEEN rp.starts_on AND rp.ends_on AND ms.status <> 'ARCHIVED') AS started,
         (SELECT count(*)::int FROM ms JOIN replication_link rl ON rl.target_model_id = ms.id, rp
           WHERE rl.replicated_on BETWEEN rp.starts_on AND rp.ends_on AND ms.status <> 'ARCHIVED') AS replicated,
         (SELECT count(DISTINCT mo.organisation_id)::int FROM ms JOIN model_organisation mo ON mo.model_id = ms.id
           WHERE ms.status <> 'ARCHIVED') AS organisations`,
      params.values,
    );
    checkPeriods([row]);
    if (period === null) Object.assign(row, { started: null, replicated: null });
    return toSummary(row);
  }

  /**
   * Free text or a start-date range without an organisation scope: one statement over summary_model
   * (a narrow row per model with its link's date and organisations' keys: no join), through its
   * trigram index or an index-only range of its start-date index. The same set and figures as the
   * GROUP BY over the models (archived models in the set unless a status list says otherwise).
   *
   * A search can match a large share of the models (a common phrase: one in eight) and reads them
   * in one pass (searchStatement). A date range reads the models of its dates (materialised, then
   * grouped, and a distinct count of their organisations: cheaper at the tens of thousands a
   * quarter holds).
   */
  private async fromModelRows(filter: ModelFilter, period: string | null): Promise<ModelSummary> {
    const params = new SqlParams();
    const where: string[] = [];
    if (filter.domain?.length) where.push(`s.domain = ANY(${params.add(filter.domain)}::model_domain[])`);
    if (filter.status?.length) where.push(`s.status = ANY(${params.add(filter.status)}::model_status[])`);
    if (filter.period) where.push(`s.recognised_period_id = (SELECT rp.id FROM reporting_period rp WHERE rp.code = ${params.add(filter.period)})`);
    if (filter.startedFrom) where.push(`s.started_on >= ${params.add(filter.startedFrom)}::date`);
    if (filter.startedTo) where.push(`s.started_on <= ${params.add(filter.startedTo)}::date`);
    const words = searchCondition('s.search_name', filter.search, params);
    where.push(...words);
    const p = params.add(period);
    let row: SummaryRow;
    if (words.length) {
      [row] = await this.db.query(SummaryService.searchStatement(where, p), params.values);
    } else {
      [row] = await this.db.query(
        `WITH ms AS MATERIALIZED (
           SELECT s.domain, s.status, s.started_on, s.replicated_on, s.organisation_key, s.more_organisation_keys
           FROM summary_model s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ),
         rp AS (SELECT code, starts_on, ends_on FROM reporting_period WHERE code = ${p}::text)
         SELECT ${p}::text AS period, (SELECT code FROM rp) AS found, x.figures, x.started, x.replicated,
           (SELECT count(DISTINCT o)::int FROM ms CROSS JOIN LATERAL unnest(array_prepend(ms.organisation_key, ms.more_organisation_keys)) AS o
            WHERE ms.status <> 'ARCHIVED') AS organisations
         FROM (
           SELECT ${figuresArray('g', 'sum(g.n)')} AS figures, coalesce(sum(g.started), 0)::int AS started, coalesce(sum(g.replicated), 0)::int AS replicated
           FROM (
             SELECT ms.domain, ms.status, count(*)::int AS n,
               count(*) FILTER (WHERE ms.status <> 'ARCHIVED' AND ms.started_on BETWEEN rp.starts_on AND rp.ends_on) AS started,
               count(*) FILTER (WHERE ms.status <> 'ARCHIVED' AND ms.replicated_on BETWEEN rp.starts_on AND rp.ends_on) AS replicated
             FROM ms LEFT JOIN rp ON true GROUP BY 1, 2
           ) g
         ) x`,
        params.values,
      );
    }
    checkPeriods([row]);
    if (period === null) Object.assign(row, { started: null, replicated: null });
    return toSummary(row);
  }

  /**
   * The search summary over summary_model rows meeting `where` (conditions over `s`, the words
   * among them), for period parameter `p`: one statement, one pass over the matching rows and one
   * hash aggregate with two grouping sets, the cells (domain and status, counted with the period
   * figures) and the organisation keys of the non-archived models (one group each: their count is
   * organisationsInvolved). A model of more than one organisation adds its other keys from a second
   * read, through the partial trigram index over those models alone (none, or few, where most models
   * have one organisation). No parallel workers: at 125,000 matching rows (one model in eight at
   * 1M) one process is faster than two partial aggregates of 20,000 organisations each and their merge.
   */
  private static searchStatement(where: string[], p: string): string {
    const inPeriod = (column: string) =>
      `count(*) FILTER (WHERE s.status <> 'ARCHIVED' AND s.${column} BETWEEN (SELECT starts_on FROM rp) AND (SELECT ends_on FROM rp))::int`;
    const conditions = where.join(' AND ');
    return `WITH rp AS (SELECT code, starts_on, ends_on FROM reporting_period WHERE code = ${p}::text),
      g AS MATERIALIZED (
        SELECT s.domain, s.status, CASE WHEN s.status <> 'ARCHIVED' THEN s.organisation_key END AS o, GROUPING(s.domain, s.status) AS by_org,
          count(*)::int AS n, ${inPeriod('started_on')} AS started, ${inPeriod('replicated_on')} AS replicated
        FROM summary_model s
        WHERE ${conditions}
        GROUP BY GROUPING SETS ((s.domain, s.status), (3))
      ),
      more AS (
        SELECT unnest(s.more_organisation_keys) AS o FROM summary_model s
        WHERE ${conditions} AND s.more_organisation_keys IS NOT NULL AND s.status <> 'ARCHIVED'
      )
      SELECT ${p}::text AS period, (SELECT code FROM rp) AS found,
        (SELECT ${figuresArray('g', 'sum(g.n)')} FROM g WHERE g.by_org = 0) AS figures,
        (SELECT coalesce(sum(g.started), 0)::int FROM g WHERE g.by_org = 0) AS started,
        (SELECT coalesce(sum(g.replicated), 0)::int FROM g WHERE g.by_org = 0) AS replicated,
        (SELECT count(*)::int FROM (SELECT g.o FROM g WHERE g.by_org <> 0 AND g.o IS NOT NULL UNION SELECT more.o FROM more) x) AS organisations`;
  }

  /** One scope under domain, status and recognised-period conditions: sums (and a distinct count) over the aggregates' key columns. */
  private async fromFilteredAggregates(scope: ScopeKey, filter: ModelFilter): Promise<ModelSummary> {
    const params = new SqlParams();
    const on = [`a.scope_id = ${params.add(scope.scopeId)}::uuid`, `a.subtree = ${params.add(scope.subtree)}`];
    if (filter.domain?.length) on.push(`a.domain = ANY(${params.add(filter.domain)}::model_domain[])`);
    if (filter.status?.length) on.push(`a.status = ANY(${params.add(filter.status)}::model_status[])`);
    const periodKey = filter.period ? `(SELECT id FROM reporting_period WHERE code = ${params.add(filter.period)})` : null;
    if (periodKey) on.push(`a.period_key = ${periodKey}`);
    const where = on.join(' AND ');
    const p = params.add(scope.period);
    // The organisations whose non-empty cells meet the filter's cells: a sum over the scope's masks, not a distinct count.
    const organisations = `SELECT coalesce(sum(a.organisations), 0)::int FROM summary_involved_mask a
      WHERE ${on.slice(0, 2).join(' AND ')} AND a.period_key = ${periodKey ?? `'${ALL_PERIODS}'::uuid`}
        AND (a.mask & ${params.add(cellMask(filter.domain, filter.status))}::int) <> 0`;
    const [row]: SummaryRow[] = await this.db.query(
      `WITH rp AS (SELECT code, starts_on, ends_on FROM reporting_period WHERE code = ${p}::text)
       SELECT ${p}::text AS period, (SELECT code FROM rp) AS found,
         (SELECT ${figuresArray('a', 'sum(a.models)')} FROM summary_count a WHERE ${where}) AS figures,
         CASE WHEN ${p}::text IS NOT NULL THEN
           (SELECT coalesce(sum(a.models), 0)::int FROM summary_started a, rp WHERE ${where} AND a.started_on BETWEEN rp.starts_on AND rp.ends_on) END AS started,
         CASE WHEN ${p}::text IS NOT NULL THEN
           (SELECT coalesce(sum(a.links), 0)::int FROM summary_replicated a, rp WHERE ${where} AND a.replicated_on BETWEEN rp.starts_on AND rp.ends_on) END AS replicated,
         (${organisations}) AS organisations`,
      params.values,
    );
    checkPeriods([row]);
    return toSummary(row);
  }

  private async fromAggregates(keys: readonly ScopeKey[]): Promise<ModelSummary[]> {
    const rows: SummaryRow[] = await this.db.query(
      `WITH k AS (
         SELECT k.n, k.scope_id, k.sub, k.period, rp.code AS found, rp.starts_on, rp.ends_on
         FROM unnest($1::uuid[], $2::boolean[], $3::text[]) WITH ORDINALITY AS k(scope_id, sub, period, n)
         LEFT JOIN reporting_period rp ON rp.code = k.period
       )
       SELECT k.n, k.period, k.found,
         (SELECT ${figuresArray('c', 'sum(c.models)')} FROM summary_count c
           WHERE c.scope_id = k.scope_id AND c.subtree = k.sub) AS figures,
         CASE WHEN k.period IS NOT NULL THEN
           (SELECT coalesce(sum(s.models), 0)::int FROM summary_started s
             WHERE s.scope_id = k.scope_id AND s.subtree = k.sub AND s.started_on BETWEEN k.starts_on AND k.ends_on) END AS started,
         CASE WHEN k.period IS NOT NULL THEN
           (SELECT coalesce(sum(r.links), 0)::int FROM summary_replicated r
             WHERE r.scope_id = k.scope_id AND r.subtree = k.sub AND r.replicated_on BETWEEN k.starts_on AND k.ends_on) END AS replicated,
         -- Organisations with any non-archived model: every mask of the scope over all periods (one row per set of
         -- non-empty cells, not per organisation).
         (SELECT coalesce(sum(i.organisations), 0)::int FROM summary_involved_mask i
           WHERE i.scope_id = k.scope_id AND i.subtree = k.sub AND i.period_key = '${ALL_PERIODS}'::uuid) AS organisations
       FROM k ORDER BY k.n`,
      [keys.map((k) => k.scopeId), keys.map((k) => k.subtree), keys.map((k) => k.period)],
    );
    checkPeriods(rows);
    return keys.map((_, i) => toSummary(rows[i]));
  }
}

/**
 * The one Organisation.summary an organisation page brings along (without a period): the whole
 * subtree's figures or the organisation's own (`subtree`), with organisationsInvolved when its
 * selection shows it (`organisations`).
 */
export interface PageSummaryKey {
  subtree: boolean;
  organisations: boolean;
}

/** What `summaryColumn` brings on an organisation row (`__summary`), for broughtSummary. */
export interface BroughtSummary {
  subtree: boolean;
  figures: SummaryRow['figures'];
  /** Absent when the page's selection does not show organisationsInvolved. */
  organisations?: number;
}

/** An organisation row of a page read with a PageSummaryKey. */
export type OrganisationWithSummary = { __summary?: BroughtSummary };

/**
 * The summary of each organisation `o` of a page as one JSON column, `__summary`: the same reads
 * of the maintained aggregates as fromAggregates for a key without a period (which has no started
 * or replicated figure), so the page statement brings the figures and Organisation.summary needs
 * no statement of its own (broughtSummary).
 */
export function summaryColumn(key: PageSummaryKey): string {
  const scope = `c.scope_id = o.id AND c.subtree = ${key.subtree}`;
  const organisations = key.organisations
    ? `, 'organisations', (SELECT coalesce(sum(c.organisations), 0)::int FROM summary_involved_mask c WHERE ${scope} AND c.period_key = '${ALL_PERIODS}'::uuid)`
    : '';
  return `json_build_object('subtree', ${key.subtree}, 'figures',
    (SELECT ${figuresArray('c', 'sum(c.models)')} FROM summary_count c WHERE ${scope})${organisations}) AS "__summary"`;
}

/** The figures a page brought (summaryColumn): the same ModelSummary as forOrganisations' for that key. */
export function broughtSummary(brought: BroughtSummary): ModelSummary {
  return toSummary({ figures: brought.figures, started: null, replicated: null, organisations: brought.organisations ?? 0, found: null, period: null });
}
