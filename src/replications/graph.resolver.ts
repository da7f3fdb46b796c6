import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { CommunityModel, Domain } from '../models/model.entity';
import { connectionComplexity, listComplexity } from '../shared/graphql';
import { ConnectionArgs } from '../shared/pagination';
import { ModelDescendantConnection, ModelReach, ReplicatedModel, ReplicationPath } from './graph.types';
import type { ReplicationsContext as Context } from './replication.loaders';

const MAX_DEPTH_DESCRIPTION = 'Replication steps to follow (1 = direct replicas only); default DEFAULT_GRAPH_DEPTH, at most MAX_GRAPH_DEPTH.';

@Resolver(() => CommunityModel)
export class ModelGraphResolver {
  @FieldResolver(() => ModelReach, {
    description: 'How far this model spread: its replication tree within maxDepth steps. Batched: one statement for every model in the response.',
  })
  async reach(
    @Root() model: CommunityModel,
    @Arg('maxDepth', () => Int, { nullable: true, description: MAX_DEPTH_DESCRIPTION }) maxDepth: number | null,
    @Ctx() ctx: Context,
  ): Promise<ModelReach> {
    return ctx.loaders.reachByModel.load({ modelId: model.id, maxDepth: ctx.services.graph.depth(maxDepth) });
  }

  @FieldResolver(() => ModelDescendantConnection, {
    complexity: connectionComplexity,
    description: 'Replicas, their replicas and so on, nearest first (by depth, then id), within maxDepth steps.',
  })
  async descendants(
    @Root() model: CommunityModel,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('maxDepth', () => Int, { nullable: true, description: MAX_DEPTH_DESCRIPTION }) maxDepth: number | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ModelDescendantConnection> {
    const { graph } = ctx.services;
    const depth = graph.depth(maxDepth);
    return ctx.loaders.pages('model.descendants', info.fieldNodes, { args, depth }, (ids) => graph.descendants(ids, depth, args)).load(model.id);
  }
}

@Resolver(() => ReplicatedModel)
export class ReplicatedModelResolver {
  @FieldResolver(() => CommunityModel, { description: 'The model.' })
  async model(@Root() row: ReplicatedModel, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    return ctx.loaders.modelById.load(row.modelId);
  }
}

@Resolver()
export class ReplicationGraphResolver {
  @Query(() => [ReplicatedModel], {
    complexity: listComplexity(20),
    description:
      'The models that spread most: by replications dated within the period (counted at the source), or without a period by replica count. Ties by id.',
  })
  async topReplicated(
    @Arg('period', () => String, { nullable: true, description: 'Period code, e.g. "2023-H1"; unknown is NOT_FOUND.' }) period: string | null,
    @Arg('domain', () => Domain, { nullable: true, description: "The source model's domain." }) domain: Domain | null,
    @Arg('first', () => Int, { nullable: true, description: 'How many; default DEFAULT_PAGE_SIZE, at most MAX_PAGE_SIZE.' }) first: number | null,
    @Ctx() ctx: Context,
  ): Promise<ReplicatedModel[]> {
    return ctx.services.graph.topReplicated(period ?? null, domain ?? null, first);
  }

  @Query(() => ReplicationPath, {
    nullable: true,
    complexity: listComplexity(10),
    description:
      'The shortest chain of replication links from a model run by the first organisation to a model run by the second; null when there is none (or an id is unknown).',
  })
  async replicationPath(
    @Arg('fromOrganisationId', () => ID, { description: 'The organisation where the chain starts (one of its models).' }) fromOrganisationId: string,
    @Arg('toOrganisationId', () => ID, { description: 'The organisation where the chain ends (one of its models).' }) toOrganisationId: string,
    @Ctx() ctx: Context,
  ): Promise<ReplicationPath | null> {
    return ctx.services.graph.path(fromOrganisationId, toOrganisationId);
  }
}
