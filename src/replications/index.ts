import { referenceId } from '../shared/entities';
import type { FeatureModule } from '../shared/module';
import { AGGREGATE_COST, RECURSIVE_BATCH_COST, STATEMENT_COST } from '../shared/statement-costs';
import { ModelGraphResolver, ReplicatedModelResolver, ReplicationGraphResolver } from './graph.resolver';
import { REPLICAS_PAGE, type ReplicationsContext } from './replication.loaders';
import { ModelLineageResolver, ReplicationResolver } from './replication.resolver';

/** Replication: the links from a model to its replicas, and the graph they make. */
export const replicationsModule: FeatureModule = {
  resolvers: [ReplicationResolver, ModelLineageResolver, ModelGraphResolver, ReplicatedModelResolver, ReplicationGraphResolver],
  references: {
    ReplicationLink: async (ref: unknown, ctx: ReplicationsContext) => ctx.loaders.replicationLinkById.load(referenceId(ref, 'ReplicationLink')),
  },
  statementCosts: {
    'Query.replicationLinks': STATEMENT_COST,
    'Model.replicas': STATEMENT_COST,
    // Recursive CTEs, batched by DataLoader across parents (and aliases of the same tick).
    'Model.reach': RECURSIVE_BATCH_COST,
    'Model.lineage': RECURSIVE_BATCH_COST,
    'Query.topReplicated': AGGREGATE_COST, // counts replications of every model
    'Query.replicationPath': AGGREGATE_COST, // breadth-first search over the graph, up to MAX_GRAPH_DEPTH
    'Model.descendants': AGGREGATE_COST, // a recursive CTE per distinct arguments, then a page of it
  },
  nestedPages: { 'Model.replicas': REPLICAS_PAGE },
};
