/**
 * The benchmark's dashboard document and the floor's hand-written SQL for it. Both must give the
 * same `data`: the runner fetches each once and compares them before measuring. And the wide
 * document that sizes graphql-jit's generated code (bench/jit-size.ts, compiled-cache.test.ts).
 */

/**
 * A distinct document (by `n`) of 40 aliases spreading a fragment that nests four levels of
 * parents: 1,640 fields to compile (under JIT_MAX_FIELDS) from 2 kB of text. The ids are no UUIDs,
 * so each lookup returns null without touching the database.
 */
export function wideDocument(n: number): string {
  const aliases = Array.from({ length: 40 }, (_, j) => `a${j}_${String(n).replace('-', 'm')}: organisation(id: "doc${n}-${j}") { ...P }`).join(' ');
  return `{ ${aliases} }
fragment O on Organisation { id name shortName kind version createdAt updatedAt archivedAt }
fragment P on Organisation { ...O parent { ...O parent { ...O parent { ...O } } } ancestors { ...O } }`;
}

/**
 * First 50 organisations by name; each with its figures and a page of 20 models with 5 replicas
 * each. `withSummary: false` leaves the figures out (to measure the rest of the request path alone).
 */
export function dashboardQuery(withSummary = true): string {
  return `query Dashboard {
  organisations(first: 50) {
    edges {
      node {
        id
        name
${withSummary ? '        summary { totalModels byDomain { domain count } byStatus { status count } }\n' : ''}        models(first: 20, includeDescendants: false) {
          totalCount
          edges {
            node {
              id
              name
              domain
              status
              replicas(first: 5) { edges { node { name leadOrganisation { name } } } }
            }
          }
        }
      }
    }
  }
}`;
}

/**
 * The whole response in one statement, as text. It mirrors the API's rules: archived organisations
 * and models are left out of lists, names sort by the folded name in "C" collation then id, a
 * model's lead is its LEAD row, the summary covers every model run in the organisation's subtree
 * (distinct, as maintained in `summary_count`), byDomain without archived models, byStatus with
 * them, every enum value listed.
 */
export function floorSql(withSummary = true): string {
  return `
SELECT json_build_object('organisations', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
  'id', o.id,
  'name', o.name,
${withSummary ? "  'summary', s.summary,\n" : ''}  'models', json_build_object('totalCount', mc.n, 'edges', mp.edges)
)) ORDER BY o.search_name COLLATE "C", o.id), '[]'::json)))::text AS body
FROM (
  SELECT o.id, o.name, o.path, o.search_name FROM organisation o
  WHERE o.archived_at IS NULL ORDER BY o.search_name COLLATE "C", o.id LIMIT 50
) o
${withSummary ? SUMMARY_SQL : ''}
CROSS JOIN LATERAL (
  SELECT count(*)::int AS n FROM model m JOIN model_organisation mo ON mo.model_id = m.id
  WHERE mo.organisation_id = o.id AND m.status <> 'ARCHIVED'
) mc
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('node', json_build_object(
    'id', m.id, 'name', m.name, 'domain', m.domain, 'status', m.status,
    'replicas', json_build_object('edges', r.edges)
  )) ORDER BY m.search_name COLLATE "C", m.id), '[]'::json) AS edges
  FROM (
    SELECT m.id, m.name, m.domain, m.status, m.search_name
    FROM model m JOIN model_organisation mo ON mo.model_id = m.id
    WHERE mo.organisation_id = o.id AND m.status <> 'ARCHIVED'
    ORDER BY m.search_name COLLATE "C", m.id LIMIT 20
  ) m
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object('node', json_build_object(
      'name', x.name, 'leadOrganisation', CASE WHEN x.lead_name IS NULL THEN NULL ELSE json_build_object('name', x.lead_name) END
    )) ORDER BY x.search_name COLLATE "C", x.id), '[]'::json) AS edges
    FROM (
      SELECT t.id, t.name, t.search_name,
        (SELECT lo.name FROM model_organisation lmo JOIN organisation lo ON lo.id = lmo.organisation_id
         WHERE lmo.model_id = t.id AND lmo.role = 'LEAD' ORDER BY lmo.organisation_id LIMIT 1) AS lead_name
      FROM replication_link rl JOIN model t ON t.id = rl.target_model_id
      WHERE rl.source_model_id = m.id AND t.status <> 'ARCHIVED'
      ORDER BY t.search_name COLLATE "C", t.id LIMIT 5
    ) x
  ) r
) mp`;
}

/**
 * The figures of each organisation `o` (joined as `s.summary`), from the same maintained
 * aggregate the API reads (`summary_count`, the organisation's subtree scope).
 */
const SUMMARY_SQL = `
CROSS JOIN LATERAL (
  WITH c AS (SELECT c.domain::text AS domain, c.status::text AS status, c.models FROM summary_count c WHERE c.scope_id = o.id AND c.subtree)
  SELECT json_build_object(
    'totalModels', (SELECT coalesce(sum(c.models), 0)::int FROM c WHERE c.status <> 'ARCHIVED'),
    'byDomain', (SELECT json_agg(json_build_object('domain', d.v, 'count',
        (SELECT coalesce(sum(c.models), 0)::int FROM c WHERE c.domain = d.v AND c.status <> 'ARCHIVED')) ORDER BY d.n)
      FROM unnest(ARRAY['ECONOMY', 'CULTURE_SOCIETY', 'SECURITY_DEFENCE', 'POLITICAL_SYSTEM']) WITH ORDINALITY AS d(v, n)),
    'byStatus', (SELECT json_agg(json_build_object('status', t.v, 'count',
        (SELECT coalesce(sum(c.models), 0)::int FROM c WHERE c.status = t.v)) ORDER BY t.n)
      FROM unnest(ARRAY['PILOT', 'ACTIVE', 'SUSPENDED', 'ARCHIVED']) WITH ORDINALITY AS t(v, n))
  ) AS summary
) s
`;

/** The dashboard's organisations page, as their ids (bench/rows.ts, bench/codecs.ts). */
export const DASHBOARD_ORGANISATIONS = `SELECT o.id FROM organisation o WHERE o.archived_at IS NULL ORDER BY o.search_name COLLATE "C", o.id LIMIT 50`;
/** The dashboard's models page as our server sends it (runPage: 20 models of each organisation in $1, with each one's total), before pageRows wraps it. */
export const DASHBOARD_MODELS = `SELECT p.n::int AS "__parent", c.total AS "__total", x.* FROM unnest($1::uuid[]) WITH ORDINALITY AS p(id, n)
  CROSS JOIN LATERAL (SELECT count(*)::int AS total FROM model m JOIN model_organisation mo_p ON mo_p.model_id = m.id
    WHERE mo_p.organisation_id = p.id AND m.status <> 'ARCHIVED') c
  LEFT JOIN LATERAL (SELECT m.id AS "id", m.name AS "name", m.domain AS "domain", m.status AS "status"
    FROM model m JOIN model_organisation mo_p ON mo_p.model_id = m.id
    WHERE mo_p.organisation_id = p.id AND m.status <> 'ARCHIVED' ORDER BY m.search_name COLLATE "C" ASC, m.id ASC LIMIT 21) x ON true
  ORDER BY p.n`;
