import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context';
import { ModelConnection } from '../models/model.types';
import { ModelFilter, ModelOrder } from '../models/model.inputs';
import { PeriodReport } from '../periods/period-report.entity';
import { ModelSummary } from '../summaries/summary.types';
import { connectionComplexity, listComplexity, requireActor, selectsField, selectsTimestamps } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import { ConnectionArgs, type Connection } from '../shared/pagination';
import type { CommunityModel } from '../models/model.entity';
import { Organisation } from './organisation.entity';
import { CreateOrganisationInput, OrganisationFilter, OrganisationOrder, UpdateOrganisationInput } from './organisation.inputs';
import { ancestorIds } from './organisation.sql';
import { OrganisationConnection } from './organisation.types';

@Resolver(() => Organisation)
export class OrganisationResolver {
  @Query(() => Organisation, { nullable: true, description: 'One organisation by id; null when there is none.' })
  async organisation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Organisation | null> {
    return isUuid(id) ? ctx.loaders.organisationById.load(id) : null;
  }

  @Query(() => OrganisationConnection, { complexity: connectionComplexity, description: 'Organisations, filtered and ordered, a page at a time.' })
  async organisations(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => OrganisationFilter, { nullable: true }) filter: OrganisationFilter | null,
    @Arg('orderBy', () => OrganisationOrder, { nullable: true }) orderBy: OrganisationOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Organisation>> {
    const [page] = await ctx.services.organisations.page(args, filter, orderBy, undefined, { timestamps: selectsTimestamps(info, ['edges', 'node']) });
    if (selectsField(info, 'totalCount')) [page.totalCount] = await ctx.services.organisations.count(filter);
    return page;
  }

  @FieldResolver(() => Organisation, { nullable: true })
  async parent(@Root() org: Organisation, @Ctx() ctx: Context): Promise<Organisation | null> {
    return org.parentId ? ctx.loaders.organisationById.load(org.parentId) : null;
  }

  @FieldResolver(() => [Organisation], { complexity: listComplexity(5), description: 'From the root down to the parent.' })
  async ancestors(@Root() org: Organisation, @Ctx() ctx: Context): Promise<Organisation[]> {
    const found = await ctx.loaders.organisationById.loadMany(ancestorIds(org.path));
    return found.filter((o): o is Organisation => !!o && !(o instanceof Error));
  }

  @FieldResolver(() => OrganisationConnection, { complexity: connectionComplexity, description: 'Direct children.' })
  children(
    @Root() org: Organisation,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => OrganisationFilter, { nullable: true }) filter: OrganisationFilter | null,
    @Arg('orderBy', () => OrganisationOrder, { nullable: true }) orderBy: OrganisationOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Organisation>> {
    const { organisations } = ctx.services;
    const options = { withCount: selectsField(info, 'totalCount'), timestamps: selectsTimestamps(info, ['edges', 'node']) };
    return ctx.loaders
      .pages('organisation.children', info.fieldNodes, { args, filter, orderBy, options }, (ids) => organisations.page(args, filter, orderBy, ids, options))
      .load(org.id);
  }

  @FieldResolver(() => ModelConnection, { complexity: connectionComplexity, description: 'Models this organisation runs (as lead or partner), or with includeDescendants those run anywhere in its subtree.' })
  models(
    @Root() org: Organisation,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ModelFilter, { nullable: true }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true }) orderBy: ModelOrder | null,
    @Arg('includeDescendants', () => Boolean, { defaultValue: false }) includeDescendants: boolean,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<CommunityModel>> {
    const { models } = ctx.services;
    const parent = includeDescendants ? 'organisationSubtree' : 'organisation';
    const options = { withCount: selectsField(info, 'totalCount'), timestamps: selectsTimestamps(info, ['edges', 'node']) };
    return ctx.loaders
      .pages(`organisation.models.${parent}`, info.fieldNodes, { args, filter, orderBy, options }, (ids) =>
        models.page(args, filter, orderBy, { kind: parent, ids }, options),
      )
      .load(org.id);
  }

  @FieldResolver(() => ModelSummary, { description: 'Figures over the models this organisation runs (with includeDescendants, its whole subtree), optionally for a period. Batched: one SQL statement for every organisation in the response.' })
  async summary(
    @Root() org: Organisation,
    @Arg('period', () => String, { nullable: true, description: 'Period code, e.g. "2023-H1": adds the started and replicated figures for it.' }) period: string | null,
    @Arg('includeDescendants', () => Boolean, { defaultValue: true }) includeDescendants: boolean,
    @Ctx() ctx: Context,
  ): Promise<ModelSummary> {
    return ctx.loaders.summaryByOrganisation.load({ organisationId: org.id, period: period ?? null, includeDescendants });
  }

  @FieldResolver(() => [PeriodReport], { complexity: listComplexity(10), description: 'Figures this organisation reported, newest period first.' })
  async reports(@Root() org: Organisation, @Ctx() ctx: Context): Promise<PeriodReport[]> {
    return ctx.loaders.reportsByOrganisationId.load(org.id);
  }

  @Mutation(() => Organisation)
  async createOrganisation(@Arg('input', () => CreateOrganisationInput) input: CreateOrganisationInput, @Ctx() ctx: Context): Promise<Organisation> {
    return ctx.services.organisations.create(input, requireActor(ctx));
  }

  @Mutation(() => Organisation)
  async updateOrganisation(@Arg('input', () => UpdateOrganisationInput) input: UpdateOrganisationInput, @Ctx() ctx: Context): Promise<Organisation> {
    return ctx.services.organisations.update(input, requireActor(ctx));
  }

  @Mutation(() => Organisation, { description: 'Archives an organisation that has no active children; it stays readable.' })
  async archiveOrganisation(@Arg('id', () => ID) id: string, @Arg('version', () => Int) version: number, @Ctx() ctx: Context): Promise<Organisation> {
    return ctx.services.organisations.archive(id, version, requireActor(ctx));
  }
}
