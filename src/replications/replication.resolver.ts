import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { CommunityModel } from '../models/model.entity';
import { connectionComplexity, requireActor, selectsField } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import { ConnectionArgs, type Connection } from '../shared/pagination';
import { ReplicationLink } from './replication-link.entity';
import { LinkModelsInput, ReplicateModelInput, ReplicationLinkFilter } from './replication.inputs';
import { ReplicationLinkConnection } from './replication.types';

@Resolver(() => ReplicationLink)
export class ReplicationResolver {
  @Query(() => ReplicationLink, { nullable: true })
  async replicationLink(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ReplicationLink | null> {
    return isUuid(id) ? ctx.loaders.replicationLinkById.load(id) : null;
  }

  @Query(() => ReplicationLinkConnection, { complexity: connectionComplexity, description: 'Replication links, newest first.' })
  async replicationLinks(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ReplicationLinkFilter, { nullable: true }) filter: ReplicationLinkFilter | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<ReplicationLink>> {
    const page = await ctx.services.replications.page(args, filter);
    if (selectsField(info, 'totalCount')) page.totalCount = await ctx.services.replications.count(filter);
    return page;
  }

  @FieldResolver(() => CommunityModel)
  async source(@Root() link: ReplicationLink, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    return ctx.loaders.modelById.load(link.sourceModelId);
  }

  @FieldResolver(() => CommunityModel, { description: 'The replica.' })
  async target(@Root() link: ReplicationLink, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    return ctx.loaders.modelById.load(link.targetModelId);
  }

  @Mutation(() => ReplicationLink, { description: 'Replicates a model to an organisation: creates the replica (led by that organisation) and the link, in one transaction.' })
  async replicateModel(@Arg('input', () => ReplicateModelInput) input: ReplicateModelInput, @Ctx() ctx: Context): Promise<ReplicationLink> {
    return ctx.services.replications.replicate(input, requireActor(ctx));
  }

  @Mutation(() => ReplicationLink, { description: 'Records that an existing model is a replica of another. Refuses self-links, duplicates, a second source and cycles.' })
  async linkModels(@Arg('input', () => LinkModelsInput) input: LinkModelsInput, @Ctx() ctx: Context): Promise<ReplicationLink> {
    return ctx.services.replications.link(input, requireActor(ctx));
  }

  @Mutation(() => ReplicationLink, { description: 'Removes a replication link and returns it; both models stay.' })
  async unlinkModels(@Arg('id', () => ID, { description: 'The link id.' }) id: string, @Ctx() ctx: Context): Promise<ReplicationLink> {
    return ctx.services.replications.unlink(id, requireActor(ctx));
  }
}
