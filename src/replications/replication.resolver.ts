import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { CommunityModel } from '../models/model.entity';
import { modelPageOptions, modelPages } from '../models/model.loaders';
import { ModelFilter, ModelOrder } from '../models/model.inputs';
import { ModelConnection } from '../models/model.types';
import { BARE_ARGUMENTS_DEPRECATION, connectionComplexity, inputOrBareArguments, listComplexity, requireActor, selectsField } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import { ConnectionArgs, type Connection } from '../shared/pagination';
import { ReplicationLink } from './replication-link.entity';
import { LinkModelsInput, ReplicateModelInput, ReplicationLinkFilter, ReplicationLinkOrder, UnlinkModelsInput } from './replication.inputs';
import type { ReplicationsContext as Context } from './replication.loaders';
import { REPLICAS_OF } from './replication.sql';
import { ReplicationLinkConnection } from './replication.types';
import { withFields } from '../shared/objects';

@Resolver(() => ReplicationLink)
export class ReplicationResolver {
  @Query(() => ReplicationLink, { nullable: true, description: 'One replication link by id; null when there is none.' })
  async replicationLink(
    @Arg('id', () => ID, { description: 'The id (a UUID); a malformed or unknown id gives null.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<ReplicationLink | null> {
    // A lookup answers null for an id that names nothing, malformed or not (as `_entities` does).
    return isUuid(id) ? ctx.loaders.replicationLinkById.load(id) : null;
  }

  @Query(() => ReplicationLinkConnection, {
    complexity: connectionComplexity,
    description: 'Replication links, filtered, newest recorded first unless orderBy says otherwise, a page at a time.',
  })
  async replicationLinks(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ReplicationLinkFilter, { nullable: true, description: 'Which links; every condition given must hold.' })
    filter: ReplicationLinkFilter | null,
    @Arg('orderBy', () => ReplicationLinkOrder, { nullable: true, description: 'The order; by default when recorded, newest first.' })
    orderBy: ReplicationLinkOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<ReplicationLink>> {
    return ctx.services.replications.page(args, filter, { withCount: selectsField(info, 'totalCount') }, orderBy);
  }

  @FieldResolver(() => CommunityModel, { description: 'The model that was replicated.' })
  async source(@Root() link: ReplicationLink, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    return ctx.loaders.modelById.load(link.sourceModelId);
  }

  @FieldResolver(() => CommunityModel, { description: 'The replica.' })
  async target(@Root() link: ReplicationLink, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    return ctx.loaders.modelById.load(link.targetModelId);
  }

  @Mutation(() => ReplicationLink, {
    description: 'Replicates a model to an organisation: creates the replica (led by that organisation) and the link, in one transaction.',
  })
  async replicateModel(
    @Arg('input', () => ReplicateModelInput, { description: "What to change; see the input type for each field's rules." }) input: ReplicateModelInput,
    @Ctx() ctx: Context,
  ): Promise<ReplicationLink> {
    return ctx.services.replications.replicate(input, requireActor(ctx));
  }

  @Mutation(() => ReplicationLink, {
    description: 'Records that an existing model is a replica of another. Refuses self-links, duplicates, a second source and cycles.',
  })
  async linkModels(
    @Arg('input', () => LinkModelsInput, { description: "What to change; see the input type for each field's rules." }) input: LinkModelsInput,
    @Ctx() ctx: Context,
  ): Promise<ReplicationLink> {
    return ctx.services.replications.link(input, requireActor(ctx));
  }

  @Mutation(() => ReplicationLink, { description: 'Removes a replication link and returns it; both models stay.' })
  async unlinkModels(
    @Arg('input', () => UnlinkModelsInput, { nullable: true, description: 'The link to remove.' }) input: UnlinkModelsInput | null,
    @Arg('id', () => ID, { nullable: true, deprecationReason: BARE_ARGUMENTS_DEPRECATION, description: 'Deprecated: input.id.' }) id: string | null,
    @Ctx() ctx: Context,
  ): Promise<ReplicationLink> {
    return ctx.services.replications.unlink(inputOrBareArguments(input, { id }).id, requireActor(ctx));
  }
}

/** Where a model came from and what was replicated from it: fields this feature adds to Model. */
@Resolver(() => CommunityModel)
export class ModelLineageResolver {
  @FieldResolver(() => ReplicationLink, { nullable: true, description: 'The link that made this model a replica; null for an original.' })
  async sourceLink(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<ReplicationLink | null> {
    return ctx.loaders.replicationLinkByTargetId.load(model.id);
  }

  @FieldResolver(() => CommunityModel, { nullable: true, description: 'The model this one was replicated from; null for an original.' })
  async replicatedFrom(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    const link = await ctx.loaders.replicationLinkByTargetId.load(model.id);
    return link ? ctx.loaders.modelById.load(link.sourceModelId) : null;
  }

  @FieldResolver(() => ModelConnection, { complexity: connectionComplexity, description: 'The direct replicas of this model.' })
  replicas(
    @Root() model: CommunityModel,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ModelFilter, { nullable: true, description: 'Which models: every condition given must hold.' }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true, description: 'The order; by name when omitted. Ties are broken by id.' }) orderBy: ModelOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Connection<CommunityModel> | Promise<Connection<CommunityModel>> {
    // The page of models this one came in brought its replicas (REPLICAS_PAGE): no loader round.
    const brought = ctx.loaders.brought<Connection<CommunityModel>>(info.fieldNodes, model.id);
    if (brought !== undefined) return brought;
    // Every model after the first finds the loader its site made: nothing to build per model.
    const made = ctx.loaders.pageAt<Connection<CommunityModel>>('model.replicas', info.fieldNodes);
    if (made) return made.load(model.id);
    const options = modelPageOptions(info);
    return ctx.loaders
      .pages('model.replicas', info.fieldNodes, { args, filter, orderBy, options }, (ids) =>
        modelPages(ctx, info, args, filter, orderBy, withFields(REPLICAS_OF, { ids })),
      )
      .load(model.id);
  }

  @FieldResolver(() => [CommunityModel], {
    complexity: listComplexity(10),
    description: 'The sources of this model, nearest first, back to the origin (capped at MAX_GRAPH_DEPTH steps).',
  })
  async lineage(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<CommunityModel[]> {
    return ctx.loaders.lineageByModelId.load(model.id);
  }
}
