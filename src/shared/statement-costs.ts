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
 *
 * Each feature lists the costs of its own fields beside them (its `index.ts`); the composition
 * root gathers them into one map.
 */

/** A statement of its own, served by an index: a page (+ its count) of a list. */
export const STATEMENT_COST = 100;
/** A recursive CTE over the replication graph, batched for every parent of its place. */
export const RECURSIVE_BATCH_COST = 1_000;
/** An aggregate or a recursive search of its own per occurrence (GROUP BY over models, shortest path, ...). */
export const AGGREGATE_COST = 5_000;

/** A cost, or a cost worked out from the field's arguments (coerced, variables applied). */
export type StatementCost = number | ((args: Record<string, unknown>) => number);
