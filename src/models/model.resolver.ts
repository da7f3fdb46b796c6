import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Organisation } from '../organisations/organisation.entity';
import { DomainFigures } from '../periods/period.types';
import { ReportingPeriod } from '../periods/reporting-period.entity';
import { BARE_ARGUMENTS_DEPRECATION, connectionComplexity, inputOrBareArguments, listComplexity, requireActor, selectsTimestamps } from '../shared/graphql';
import { isUuid } from '../shared/ids';
import type { NestedPage } from '../shared/loaders';
import { ConnectionArgs, connectionArgsOf, type Connection } from '../shared/pagination';
import { CommunityModel, Domain } from './model.entity';
import { ArchiveModelInput, CreateModelInput, ModelFilter, ModelOrder, UpdateModelInput } from './model.inputs';
import { modelPageOptions, modelPages, type ModelRow, type ModelsContext as Context } from './model.loaders';
import { ModelOrganisation } from './model-organisation.entity';
import type { ModelOrganisationRow } from './model.service';
import { ORGANISATION_MODELS } from './model.sql';
import { DomainFigure, ModelConnection } from './model.types';
import { withFields } from '../shared/objects';

@Resolver(() => CommunityModel)
export class ModelResolver {
  @Query(() => CommunityModel, { nullable: true, description: 'One model by id; null when there is none.' })
  async model(
    @Arg('id', () => ID, { description: 'The id (a UUID); a malformed or unknown id gives null.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<CommunityModel | null> {
    // A lookup answers null for an id that names nothing, malformed or not (as `_entities` does).
    return isUuid(id) ? ctx.loaders.modelById.load(id) : null;
  }

  @Query(() => ModelConnection, { complexity: connectionComplexity, description: 'Models, filtered and ordered, a page at a time.' })
  async models(
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ModelFilter, { nullable: true, description: 'Which models: every condition given must hold.' }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true, description: 'The order; by name when omitted. Ties are broken by id.' }) orderBy: ModelOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<CommunityModel>> {
    const [page] = await modelPages(ctx, info, args, filter, orderBy);
    return page;
  }

  @FieldResolver(() => [ModelOrganisation], { complexity: listComplexity(5), description: 'The organisations that run this model, lead first.' })
  async organisations(@Root() model: CommunityModel, @Ctx() ctx: Context): Promise<ModelOrganisationRow[]> {
    return ctx.loaders.organisationsByModelId.load(model.id);
  }

  @FieldResolver(() => Organisation, { nullable: true, description: 'The organisation that leads this model.' })
  leadOrganisation(@Root() model: CommunityModel, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Organisation | null | Promise<Organisation | null> {
    // A page read with `withLead` brought it (untimed, as this selection asks): no promise, no
    // loader round per row. Otherwise the request's lead loader batches it with the others.
    const brought = (model as ModelRow).__lead;
    if (brought !== undefined) return brought;
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

  @Mutation(() => CommunityModel, { description: 'Creates a model run by a lead organisation and optional partners (all active).' })
  async createModel(
    @Arg('input', () => CreateModelInput, { description: "What to change; see the input type for each field's rules." }) input: CreateModelInput,
    @Ctx() ctx: Context,
  ): Promise<CommunityModel> {
    return ctx.services.models.create(input, requireActor(ctx));
  }

  @Mutation(() => CommunityModel, {
    description: 'Changes a model, the organisations running it included, with the version you read; its figures and events follow in the same transaction.',
  })
  async updateModel(
    @Arg('input', () => UpdateModelInput, { description: "What to change; see the input type for each field's rules." }) input: UpdateModelInput,
    @Ctx() ctx: Context,
  ): Promise<CommunityModel> {
    return ctx.services.models.update(input, requireActor(ctx));
  }

  @Mutation(() => CommunityModel, {
    description: 'Sets the status to ARCHIVED; the model and its links stay readable. Archiving an archived model changes nothing (no new version, no event).',
  })
  async archiveModel(
    @Arg('input', () => ArchiveModelInput, { nullable: true, description: 'The model and the version you read.' }) input: ArchiveModelInput | null,
    @Arg('id', () => ID, { nullable: true, deprecationReason: BARE_ARGUMENTS_DEPRECATION, description: 'Deprecated: input.id.' }) id: string | null,
    @Arg('version', () => Int, { nullable: true, deprecationReason: BARE_ARGUMENTS_DEPRECATION, description: 'Deprecated: input.version.' })
    version: number | null,
    @Ctx() ctx: Context,
  ): Promise<CommunityModel> {
    const args = inputOrBareArguments(input, { id, version });
    return ctx.services.models.archive(args.id, args.version, requireActor(ctx));
  }
}

@Resolver(() => ModelOrganisation)
export class ModelOrganisationResolver {
  @FieldResolver(() => Organisation, { description: 'The organisation.' })
  async organisation(@Root() row: ModelOrganisationRow, @Ctx() ctx: Context): Promise<Organisation | null> {
    return ctx.loaders.organisationById.load(row.organisationId);
  }
}

/** The nested-list kinds of Organisation.models, one per parent relation. */
const ORGANISATION_MODEL_KINDS = { organisation: 'organisation.models.organisation', organisationSubtree: 'organisation.models.organisationSubtree' } as const;

/**
 * Organisation.models, brought by a page of organisations (NestedPage) when it has no filter and
 * no order: the input objects are left to type-graphql, which converts and validates them in the resolver.
 */
export const ORGANISATION_MODELS_PAGE: NestedPage = {
  batch: (ctx: Context, site, values) => {
    if (values.filter != null || values.orderBy != null) return null;
    const parent = values.includeDescendants === false ? 'organisation' : 'organisationSubtree';
    const args = connectionArgsOf(values);
    return { kind: ORGANISATION_MODEL_KINDS[parent], run: (ids) => modelPages(ctx, site, args, null, null, withFields(ORGANISATION_MODELS[parent], { ids })) };
  },
};

/** The models an organisation runs: a field this feature adds to Organisation. */
@Resolver(() => Organisation)
export class OrganisationModelsResolver {
  @FieldResolver(() => ModelConnection, {
    complexity: connectionComplexity,
    description:
      "Models run (as lead or partner) anywhere in this organisation's subtree, or with includeDescendants: false by this organisation itself: the same set Organisation.summary counts. " +
      "A filter narrows that set further: filter.organisationId (with filter.includeDescendants) keeps the models also run in that organisation (or its subtree), so naming a ward inside a city's models lists the ward's models, and naming an organisation outside the subtree lists none.",
  })
  models(
    @Root() org: Organisation,
    @Args(() => ConnectionArgs) args: ConnectionArgs,
    @Arg('filter', () => ModelFilter, { nullable: true, description: 'Which models: every condition given must hold.' }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true, description: 'The order; by name when omitted. Ties are broken by id.' }) orderBy: ModelOrder | null,
    @Arg('includeDescendants', () => Boolean, {
      defaultValue: true,
      description:
        'Whether models run anywhere below this organisation count (the default, as in Organisation.summary and the change filters), or only those it runs itself.',
    })
    includeDescendants: boolean,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Connection<CommunityModel> | Promise<Connection<CommunityModel>> {
    const brought = ctx.loaders.brought<Connection<CommunityModel>>(info.fieldNodes, org.id);
    if (brought !== undefined) return brought;
    const parent = includeDescendants ? 'organisationSubtree' : 'organisation';
    // Every organisation after the first finds the loader its site made: nothing to build per organisation.
    const made = ctx.loaders.pageAt<Connection<CommunityModel>>(ORGANISATION_MODEL_KINDS[parent], info.fieldNodes);
    if (made) return made.load(org.id);
    return ctx.loaders
      .pages(ORGANISATION_MODEL_KINDS[parent], info.fieldNodes, { args, filter, orderBy, options: modelPageOptions(info) }, (ids) =>
        modelPages(ctx, info, args, filter, orderBy, withFields(ORGANISATION_MODELS[parent], { ids })),
      )
      .load(org.id);
  }
}

/** DomainFigures' keys per domain (deprecated there in favour of byDomain). */
const FIGURE_OF_DOMAIN: Record<Domain, 'economy' | 'cultureSociety' | 'securityDefence' | 'politicalSystem'> = {
  [Domain.ECONOMY]: 'economy',
  [Domain.CULTURE_SOCIETY]: 'cultureSociety',
  [Domain.SECURITY_DEFENCE]: 'securityDefence',
  [Domain.POLITICAL_SYSTEM]: 'politicalSystem',
};

/** Per-domain figures of a report as a list: a field this feature (which owns Domain) adds to DomainFigures. */
@Resolver(() => DomainFigures)
export class DomainFiguresResolver {
  @FieldResolver(() => [DomainFigure], { description: 'The figure per domain, all four domains listed, in the order of the Domain enum.' })
  byDomain(@Root() figures: DomainFigures): DomainFigure[] {
    return Object.values(Domain).map((domain) => ({ domain, count: figures[FIGURE_OF_DOMAIN[domain]] ?? null }));
  }
}
