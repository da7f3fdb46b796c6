/**
 * What a field costs in the database, apart from the rows it returns (which the complexity
 * estimate prices: page size × item cost). Added once per occurrence of the field in the document
 * (an alias, a fragment spread), never multiplied by the parents' page sizes: nested lists and
 * lookups run one statement per place in the document for all parents (DataLoader batches), and
 * each alias of these fields runs its own. Lookups by key (`organisation(id:)`, `parent`,
 * `leadOrganisation`, `Organisation.summary`, ...) share one statement per request and tick
 * across aliases, so they are not listed.
 *
 * Sized against MAX_QUERY_COMPLEXITY (200,000 by default): a document may hold at most ~40
 * aggregates, ~200 recursive batches or ~2,000 plain statements, so that aliases of a cheap-looking
 * field cannot queue hundreds of statements on the pool.
 */

import type { ModelFilter } from '../models/model.inputs';
import { isScopeOnly } from '../summaries/summary.service';

/** A statement of its own, served by an index: a page (+ its count) of a list. */
export const STATEMENT_COST = 100;
/** A recursive CTE over the replication graph, batched for every parent of its place. */
export const RECURSIVE_BATCH_COST = 1_000;
/** An aggregate or a recursive search of its own per occurrence (GROUP BY over models, shortest path, ...). */
export const AGGREGATE_COST = 5_000;

/** A cost, or a cost worked out from the field's arguments (coerced, variables applied). */
export type StatementCost = number | ((args: Record<string, unknown>) => number);

export const STATEMENT_COSTS: ReadonlyMap<string, StatementCost> = new Map<string, StatementCost>([
  // Root lists: a page statement, and a count when totalCount is asked.
  ['Query.models', STATEMENT_COST],
  ['Query.organisations', STATEMENT_COST],
  ['Query.replicationLinks', STATEMENT_COST],
  ['Query.reportingPeriods', STATEMENT_COST],
  ['Query.changes', STATEMENT_COST],
  // Nested lists: one LATERAL statement per place (per distinct arguments) for all parents.
  ['Organisation.children', STATEMENT_COST],
  ['Organisation.models', STATEMENT_COST],
  ['Model.replicas', STATEMENT_COST],
  // Recursive CTEs, batched by DataLoader across parents (and aliases of the same tick).
  ['Model.reach', RECURSIVE_BATCH_COST],
  ['Model.lineage', RECURSIVE_BATCH_COST],
  // Their own aggregate or recursive statement per occurrence.
  // Per alias: with no filter or only organisationId (+ includeDescendants) an indexed read of the
  // maintained aggregates; any other filter one GROUP BY over the matching models.
  ['Query.summary', (args) => (isScopeOnly(args.filter as ModelFilter | null | undefined) ? STATEMENT_COST : AGGREGATE_COST)],
  ['Query.topReplicated', AGGREGATE_COST], // counts replications of every model
  ['Query.replicationPath', AGGREGATE_COST], // breadth-first search over the graph, up to MAX_GRAPH_DEPTH
  ['Model.descendants', AGGREGATE_COST], // a recursive CTE per distinct arguments, then a page of it
]);
