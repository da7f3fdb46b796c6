import type { DataSource } from 'typeorm';
import { Domain, ModelStatus } from '../models/model.entity';
import { NotFoundError } from '../shared/errors';
import type { ModelSummary } from './summary.types';

export interface SummaryKey {
  organisationId: string;
  /** Period code, or null for all time. */
  period: string | null;
  includeDescendants: boolean;
}

interface SummaryRow {
  n: number;
  total: number;
  domains: Record<string, number> | null;
  statuses: Record<string, number> | null;
  started: number | null;
  replicated: number | null;
  organisations: number;
}

/**
 * Summary figures for many organisations in one statement: each key (organisation, period,
 * subtree or not) is a LATERAL aggregate over the models its organisations run.
 */
export class SummaryService {
  constructor(private readonly db: DataSource) {}

  async forOrganisations(keys: readonly SummaryKey[]): Promise<ModelSummary[]> {
    const periods = [...new Set(keys.map((k) => k.period).filter((p): p is string => !!p))];
    if (periods.length) {
      const found: Array<{ code: string }> = await this.db.query('SELECT code FROM reporting_period WHERE code = ANY($1::text[])', [periods]);
      const missing = periods.find((p) => !found.some((f) => f.code === p));
      if (missing) throw new NotFoundError('Reporting period', missing);
    }
    const rows: SummaryRow[] = await this.db.query(
      `WITH k AS (
         SELECT k.n, k.org_id, k.period, k.sub, o.path, rp.starts_on, rp.ends_on
         FROM unnest($1::uuid[], $2::text[], $3::boolean[]) WITH ORDINALITY AS k(org_id, period, sub, n)
         JOIN organisation o ON o.id = k.org_id
         LEFT JOIN reporting_period rp ON rp.code = k.period
       )
       SELECT k.n, s.* FROM k CROSS JOIN LATERAL (
         WITH ms AS (
           SELECT DISTINCT m.id, m.domain, m.status, m.started_on
           FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id JOIN model m ON m.id = mo.model_id
           WHERE (CASE WHEN k.sub THEN o.path LIKE k.path || '%' ELSE o.id = k.org_id END)
         )
         SELECT count(*) FILTER (WHERE ms.status <> 'ARCHIVED')::int AS total,
                (SELECT jsonb_object_agg(d.domain, d.c) FROM (SELECT domain, count(*)::int c FROM ms WHERE status <> 'ARCHIVED' GROUP BY domain) d) AS domains,
                (SELECT jsonb_object_agg(t.status, t.c) FROM (SELECT status, count(*)::int c FROM ms GROUP BY status) t) AS statuses,
                CASE WHEN k.period IS NULL THEN NULL ELSE count(*) FILTER (WHERE ms.started_on BETWEEN k.starts_on AND k.ends_on)::int END AS started,
                CASE WHEN k.period IS NULL THEN NULL ELSE
                  (SELECT count(*)::int FROM replication_link rl JOIN ms t ON t.id = rl.target_model_id
                   WHERE rl.replicated_on BETWEEN k.starts_on AND k.ends_on) END AS replicated,
                (SELECT count(DISTINCT mo.organisation_id)::int FROM model_organisation mo JOIN ms ON ms.id = mo.model_id WHERE ms.status <> 'ARCHIVED') AS organisations
         FROM ms
       ) s ORDER BY k.n`,
      [keys.map((k) => k.organisationId), keys.map((k) => k.period), keys.map((k) => k.includeDescendants)],
    );
    const byIndex = new Map(rows.map((r) => [Number(r.n), r]));
    return keys.map((_, i) => {
      const r = byIndex.get(i + 1);
      return {
        totalModels: r?.total ?? 0,
        byDomain: Object.values(Domain).map((domain) => ({ domain, count: r?.domains?.[domain] ?? 0 })),
        byStatus: Object.values(ModelStatus).map((status) => ({ status, count: r?.statuses?.[status] ?? 0 })),
        startedInPeriod: r ? r.started : null,
        replicatedInPeriod: r ? r.replicated : null,
        organisationsInvolved: r?.organisations ?? 0,
      };
    });
  }
}
