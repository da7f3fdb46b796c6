import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Organisation } from '../organisations/organisation.entity';
import { ReportingPeriod } from '../periods/reporting-period.entity';
import { ReplicationLink } from '../replications/replication-link.entity';
import { connectionComplexity, listComplexity, requireActor, selectsField, selectsTimestamps } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import { ConnectionArgs, type Connection } from '../shared/pagination';
import { CommunityModel } from './model.entity';
import { CreateModelInput, ModelFilter, ModelOrder, UpdateModelInput } from './model.inputs';
import { ModelOrganisation } from './model-organisation.entity';
import type { ModelOrganisationRow } from './model.service';
import { ModelConnection } from './model.types';

@Resolver(() => CommunityModel)
export class ModelResolver {
  @Query(() => CommunityModel, { nullable: true, description: 'One model by id; null when there is none.' })
  async model(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    return isUuid(id) ? ctx.loaders.modelById.load(id) : null;
  }

  @Query(() => ModelConnection, { complexity: connectionComplexity, description: 'Models, filtered and ordered, a page at a time.' })
  async models(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ModelFilter, { nullable: true }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true }) orderBy: ModelOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<CommunityModel>> {
    const [page] = await ctx.services.models.page(args, filter, orderBy, undefined, { timestamps: selectsTimestamps(info, ['edges', 'node']) });
    if (selectsField(info, 'totalCount')) [page.totalCount] = await ctx.services.models.count(filter);
    return page;
  }

  @FieldResolver(() => [ModelOrganisation], { complexity: listComplexity(5), description: 'The organisations that run this model, lead first.' })
  async organisations(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<ModelOrganisationRow[]> {
    return ctx.loaders.organisationsByModelId.load(model.id);
  }

  @FieldResolver(() => Organisation, { nullable: true, description: 'The organisation that leads this model.' })
  async leadOrganisation(@Root() model: CommunityModel, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Organisation | null> {
    const loader = selectsTimestamps(info) ? ctx.loaders.leadOrganisationByModelId : ctx.loaders.untimedLeadOrganisationByModelId;
    return loader.load(model.id);
  }

  @FieldResolver(() => Organisation, { nullable: true, description: 'The city, ward or commune where the model runs.' })
  async locality(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<Organisation | null> {
    return model.localityId ? ctx.loaders.organisationById.load(model.localityId) : null;
  }

  @FieldResolver(() => ReportingPeriod, { nullable: true, description: 'The period in which the model was recognised.' })
  async recognisedPeriod(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<ReportingPeriod | null> {
    return model.recognisedPeriodId ? ctx.loaders.periodById.load(model.recognisedPeriodId) : null;
  }

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
    @Arg('filter', () => ModelFilter, { nullable: true }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true }) orderBy: ModelOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<CommunityModel>> {
    const { models } = ctx.services;
    const options = { withCount: selectsField(info, 'totalCount'), timestamps: selectsTimestamps(info, ['edges', 'node']) };
    return ctx.loaders
      .pages('model.replicas', info.fieldNodes, { args, filter, orderBy, options }, (ids) => models.page(args, filter, orderBy, { kind: 'replicasOf', ids }, options))
      .load(model.id);
  }

  @FieldResolver(() => [CommunityModel], { complexity: listComplexity(10), description: 'The sources of this model, nearest first, back to the origin (capped at MAX_GRAPH_DEPTH steps).' })
  async lineage(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<CommunityModel[]> {
    return ctx.loaders.lineageByModelId.load(model.id);
  }

  @Mutation(() => CommunityModel)
  async createModel(@Arg('input', () => CreateModelInput) input: CreateModelInput, @Ctx() ctx: Context): Promise<CommunityModel> {
    return ctx.services.models.create(input, requireActor(ctx));
  }

  @Mutation(() => CommunityModel)
  async updateModel(@Arg('input', () => UpdateModelInput) input: UpdateModelInput, @Ctx() ctx: Context): Promise<CommunityModel> {
    return ctx.services.models.update(input, requireActor(ctx));
  }

  @Mutation(() => CommunityModel, { description: 'Sets the status to ARCHIVED; the model and its links stay readable.' })
  async archiveModel(@Arg('id', () => ID) id: string, @Arg('version', () => Int) version: number, @Ctx() ctx: Context): Promise<CommunityModel> {
    return ctx.services.models.archive(id, version, requireActor(ctx));
  }
}

@Resolver(() => ModelOrganisation)
export class ModelOrganisationResolver {
  @FieldResolver(() => Organisation)
  async organisation(@Root() row: ModelOrganisationRow, @Ctx() ctx: Context): Promise<Organisation | null> {
    return ctx.loaders.organisationById.load(row.organisationId);
  }
}
