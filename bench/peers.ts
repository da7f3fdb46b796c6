/**
 * The peers of the benchmark: PostGraphile 4 and 5 (bench/peers/, their own packages) serving the
 * dashboard over the same tables, through bench-only SQL functions that the runner creates in the
 * bench database (never in migrations/), and the GraphQL document each peer is asked.
 */

/**
 * Bench-only functions and types, created by the runner in the bench database (never in
 * migrations/), all named `bench_…` or `<table>_bench_…` in `public`: PostGraphile takes a STABLE
 * function whose first argument is a row of a table *of the same schema* and whose name starts with
 * the table's name as a computed column (`organisation_bench_models(o)` → `Organisation.benchModels`).
 * Each mirrors the API's rules, as the floor's SQL in bench/dashboard.ts does:
 * - organisations: not archived, by the folded name in "C" collation, then id
 *   (`organisation_name_order_idx`), as `Query.organisations` without a filter;
 * - an organisation's models: the models it runs (any role), not ARCHIVED, by the folded name
 *   ("C"), then id, as `Organisation.models(includeDescendants: false)` without a filter;
 * - a model's replicas: the targets of its links, not ARCHIVED, in the same order, as `Model.replicas`;
 * - a model's lead: its LEAD organisation (archived or not, as the API's loader);
 * - an organisation's figures: the maintained aggregate `summary_count` of its subtree (what the
 *   API and the floor read), archived models in byStatus only, every enum value in the enum's order.
 * The set-returning functions are plain SQL (PostgreSQL inlines them) and return every row: the
 * peers page them (`first: 20`) in their natural order (the function's ORDER BY) and `totalCount`
 * counts them all, as ours does. The runner compares every answer with ours before measuring, so
 * an order lost on the way fails the run.
 */
export const PEERS_SQL = `
DROP FUNCTION IF EXISTS bench_dashboard_organisations(), organisation_bench_models(organisation), model_bench_replicas(model),
  model_bench_lead(model), organisation_bench_summary(organisation);
DROP TYPE IF EXISTS bench_organisation_summary, bench_domain_count, bench_status_count;
CREATE TYPE bench_domain_count AS (domain model_domain, count integer);
CREATE TYPE bench_status_count AS (status model_status, count integer);
CREATE TYPE bench_organisation_summary AS (total_models integer, by_domain bench_domain_count[], by_status bench_status_count[]);

CREATE FUNCTION bench_dashboard_organisations() RETURNS SETOF organisation LANGUAGE sql STABLE AS $$
  SELECT o.* FROM organisation o WHERE o.archived_at IS NULL ORDER BY o.search_name COLLATE "C", o.id
$$;

CREATE FUNCTION organisation_bench_models(o organisation) RETURNS SETOF model LANGUAGE sql STABLE AS $$
  SELECT m.* FROM model m JOIN model_organisation mo ON mo.model_id = m.id
  WHERE mo.organisation_id = o.id AND m.status <> 'ARCHIVED'
  ORDER BY m.search_name COLLATE "C", m.id
$$;

CREATE FUNCTION model_bench_replicas(m model) RETURNS SETOF model LANGUAGE sql STABLE AS $$
  SELECT t.* FROM replication_link rl JOIN model t ON t.id = rl.target_model_id
  WHERE rl.source_model_id = m.id AND t.status <> 'ARCHIVED'
  ORDER BY t.search_name COLLATE "C", t.id
$$;

CREATE FUNCTION model_bench_lead(m model) RETURNS organisation LANGUAGE sql STABLE AS $$
  SELECT o.* FROM model_organisation mo JOIN organisation o ON o.id = mo.organisation_id
  WHERE mo.model_id = m.id AND mo.role = 'LEAD' ORDER BY mo.organisation_id LIMIT 1
$$;

CREATE FUNCTION organisation_bench_summary(o organisation) RETURNS bench_organisation_summary LANGUAGE sql STABLE AS $$
  WITH c AS (SELECT c.domain, c.status, c.models FROM summary_count c WHERE c.scope_id = o.id AND c.subtree)
  SELECT
    (SELECT coalesce(sum(c.models), 0)::int FROM c WHERE c.status <> 'ARCHIVED'),
    (SELECT array_agg(ROW(d.v, (SELECT coalesce(sum(c.models), 0)::int FROM c WHERE c.domain = d.v AND c.status <> 'ARCHIVED'))::bench_domain_count ORDER BY d.n)
       FROM unnest(enum_range(NULL::model_domain)) WITH ORDINALITY AS d(v, n)),
    (SELECT array_agg(ROW(s.v, (SELECT coalesce(sum(c.models), 0)::int FROM c WHERE c.status = s.v))::bench_status_count ORDER BY s.n)
       FROM unnest(enum_range(NULL::model_status)) WITH ORDINALITY AS s(v, n))
$$;
`;

export type PeerKind = 'pg4' | 'pg5';

/**
 * The dashboard document (bench/dashboard.ts) for a peer: the same selection over the bench
 * functions, aliased so that the answer's `data` has exactly our shape. PostGraphile 5 (the amber
 * preset) names the global id `id` and the column `rowId`; PostGraphile 4 calls the global id `nodeId`.
 */
export function peerQuery(kind: PeerKind, withSummary = true): string {
  const id = kind === 'pg5' ? 'id: rowId' : 'id';
  return `query Dashboard {
  organisations: benchDashboardOrganisations(first: 50) {
    edges {
      node {
        ${id}
        name
${withSummary ? '        summary: benchSummary { totalModels byDomain { domain count } byStatus { status count } }\n' : ''}        models: benchModels(first: 20) {
          totalCount
          edges {
            node {
              ${id}
              name
              domain
              status
              replicas: benchReplicas(first: 5) { edges { node { name leadOrganisation: benchLead { name } } } }
            }
          }
        }
      }
    }
  }
}`;
}
