import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { BARE_ARGUMENTS_DEPRECATION, connectionComplexity, inputOrBareArguments, listComplexity, pageOptions, requireActor } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import { summaryOnPage } from '../summaries/summary.loaders';
import { ConnectionArgs, type Connection } from '../shared/pagination';
import { Organisation } from './organisation.entity';
import {
  ArchiveOrganisationInput,
  CreateOrganisationInput,
  OrganisationFilter,
  RestoreOrganisationInput,
  OrganisationOrder,
  UpdateOrganisationInput,
} from './organisation.inputs';
import type { OrganisationsContext as Context } from './organisation.loaders';
import { ancestorIds } from './organisation.sql';
import { OrganisationConnection, OrganisationDescendantConnection } from './organisation.types';
import { withFields } from '../shared/objects';

@Resolver(() => Organisation)
export class OrganisationResolver {
  @Query(() => Organisation, { nullable: true, description: 'One organisation by id; null when there is none.' })
  async organisation(
    @Arg('id', () => ID, { description: 'The id (a UUID); a malformed or unknown id gives null.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Organisation | null> {
    // A lookup answers null for an id that names nothing, malformed or not (as `_entities` does).
    return isUuid(id) ? ctx.loaders.organisationById.load(id) : null;
  }

  @Query(() => OrganisationConnection, { complexity: connectionComplexity, description: 'Organisations, filtered and ordered, a page at a time.' })
  async organisations(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => OrganisationFilter, { nullable: true, description: 'Which organisations: every condition given must hold.' })
    filter: OrganisationFilter | null,
    @Arg('orderBy', () => OrganisationOrder, { nullable: true, description: 'The order; by name when omitted. Ties are broken by id.' })
    orderBy: OrganisationOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Organisation>> {
    // The root list brings its rows' summary when the selection shows one it can serve (summaryOnPage).
    const options = withFields(pageOptions(info), { summary: summaryOnPage(info) });
    const pages = await ctx.services.organisations.page(args, filter, orderBy, undefined, options);
    // Nested lists its nodes select that the page can bring (Organisation.models): one statement each.
    await ctx.loaders.bring(ctx, info, 'Organisation', pages);
    return pages[0];
  }

  @FieldResolver(() => Organisation, { nullable: true, description: 'The organisation this one sits under; null for a root such as the city.' })
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
    @Arg('filter', () => OrganisationFilter, { nullable: true, description: 'Which organisations: every condition given must hold.' })
    filter: OrganisationFilter | null,
    @Arg('orderBy', () => OrganisationOrder, { nullable: true, description: 'The order; by name when omitted. Ties are broken by id.' })
    orderBy: OrganisationOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Organisation>> {
    const { organisations } = ctx.services;
    const options = pageOptions(info);
    return ctx.loaders
      .pages('organisation.children', info.fieldNodes, { args, filter, orderBy, options }, async (ids) => {
        const pages = await organisations.page(args, filter, orderBy, ids, options);
        await ctx.loaders.bring(ctx, info, 'Organisation', pages);
        return pages;
      })
      .load(org.id);
  }

  @FieldResolver(() => OrganisationDescendantConnection, {
    complexity: connectionComplexity,
    description:
      'Organisations below this one (not archived), nearest first (by depth, then id), within maxDepth levels. Batched: one statement for every organisation in the response.',
  })
  descendants(
    @Root() org: Organisation,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('maxDepth', () => Int, {
      nullable: true,
      description: 'Levels to go down (1 = children only), between 1 and MAX_GRAPH_DEPTH; any depth when omitted.',
    })
    maxDepth: number | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<OrganisationDescendantConnection> {
    const { organisations } = ctx.services;
    const depth = organisations.depth(maxDepth);
    return ctx.loaders.pages('organisation.descendants', info.fieldNodes, { args, depth }, (ids) => organisations.descendants(ids, depth, args)).load(org.id);
  }

  @Mutation(() => Organisation, { description: 'Creates an organisation under an active parent (or a root).' })
  async createOrganisation(
    @Arg('input', () => CreateOrganisationInput, { description: "What to change; see the input type for each field's rules." }) input: CreateOrganisationInput,
    @Ctx() ctx: Context,
  ): Promise<Organisation> {
    return ctx.services.organisations.create(input, requireActor(ctx));
  }

  @Mutation(() => Organisation, {
    description: 'Renames, re-kinds or moves an organisation (with its subtree), with the version you read; summaries follow a move in the same transaction.',
  })
  async updateOrganisation(
    @Arg('input', () => UpdateOrganisationInput, { description: "What to change; see the input type for each field's rules." }) input: UpdateOrganisationInput,
    @Ctx() ctx: Context,
  ): Promise<Organisation> {
    return ctx.services.organisations.update(input, requireActor(ctx));
  }

  @Mutation(() => Organisation, {
    description: 'Archives an organisation that has no active children; it stays readable. Archiving an archived organisation changes nothing.',
  })
  async archiveOrganisation(
    @Arg('input', () => ArchiveOrganisationInput, { nullable: true, description: 'The organisation and the version you read.' })
    input: ArchiveOrganisationInput | null,
    @Arg('id', () => ID, { nullable: true, deprecationReason: BARE_ARGUMENTS_DEPRECATION, description: 'Deprecated: input.id.' }) id: string | null,
    @Arg('version', () => Int, { nullable: true, deprecationReason: BARE_ARGUMENTS_DEPRECATION, description: 'Deprecated: input.version.' })
    version: number | null,
    @Ctx() ctx: Context,
  ): Promise<Organisation> {
    const args = inputOrBareArguments(input, { id, version });
    return ctx.services.organisations.archive(args.id, args.version, requireActor(ctx));
  }

  @Mutation(() => Organisation, {
    description:
      'Brings an archived organisation back into the lists; its parent must be active (CONFLICT otherwise). Restoring an organisation that is not archived changes nothing.',
  })
  async restoreOrganisation(
    @Arg('input', () => RestoreOrganisationInput, { description: 'The organisation and the version you read.' }) input: RestoreOrganisationInput,
    @Ctx() ctx: Context,
  ): Promise<Organisation> {
    return ctx.services.organisations.restore(input.id, input.version, requireActor(ctx));
  }
}
