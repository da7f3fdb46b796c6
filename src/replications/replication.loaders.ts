import DataLoader from 'dataloader';
import type { CommunityModel } from '../models/model.entity';
import { modelPages, type ModelLoaders, type ModelServices } from '../models/model.loaders';
import type { OrganisationLoaders, OrganisationServices } from '../organisations/organisation.loaders';
import type { PeriodLoaders } from '../periods/period.loaders';
import type { Config } from '../shared/config';
import type { RequestContext } from '../shared/context';
import type { NestedPage } from '../shared/loaders';
import { connectionArgsOf } from '../shared/pagination';
import type { ReplicationGraphService } from './graph.service';
import type { ModelReach } from './graph.types';
import type { ReplicationLink } from './replication-link.entity';
import type { ReplicationService } from './replication.service';
import { REPLICAS_OF } from './replication.sql';
import { withFields } from '../shared/objects';

export interface ReplicationServices {
  replications: ReplicationService;
  graph: ReplicationGraphService;
}

/** The replication feature's DataLoaders of one request (or one live event). */
export function replicationLoaders({ replications, graph }: ReplicationServices, config: Pick<Config, 'maxGraphDepth'>) {
  return {
    replicationLinkById: new DataLoader<string, ReplicationLink | null>((ids) => replications.byIds(ids)),
    replicationLinkByTargetId: new DataLoader<string, ReplicationLink | null>((ids) => replications.byTargetIds(ids)),
    lineageByModelId: new DataLoader<string, CommunityModel[]>((ids) => replications.lineage(ids, config.maxGraphDepth)),
    /** Model.reach, keyed by model and depth cap: one recursive CTE for the whole batch. */
    reachByModel: new DataLoader<{ modelId: string; maxDepth: number }, ModelReach, string>((keys) => graph.reach(keys), {
      cacheKeyFn: (k) => `${k.modelId}:${k.maxDepth}`,
    }),
  };
}

export type ReplicationLoaders = ReturnType<typeof replicationLoaders>;

/** What the replication feature's resolvers read: links and the graph, over models and organisations. */
export type ReplicationsContext = RequestContext<
  ReplicationServices & ModelServices & OrganisationServices,
  ReplicationLoaders & ModelLoaders & OrganisationLoaders & PeriodLoaders
>;

/**
 * Model.replicas, brought by a page of models (NestedPage) when it has no filter and no order:
 * the input objects are left to type-graphql, which converts and validates them in the resolver.
 */
export const REPLICAS_PAGE: NestedPage = {
  batch: (ctx: ReplicationsContext, site, values) => {
    if (values.filter != null || values.orderBy != null) return null;
    const args = connectionArgsOf(values);
    return { kind: 'model.replicas', run: (ids) => modelPages(ctx, site, args, null, null, withFields(REPLICAS_OF, { ids })) };
  },
};
