import DataLoader from 'dataloader';
import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import type { Organisation } from '../organisations/organisation.entity';
import { ORGANISATION_FIELD_PROPERTIES } from '../organisations/organisation.sql';
import type { OrganisationLoaders, OrganisationServices } from '../organisations/organisation.loaders';
import type { PeriodLoaders, PeriodServices } from '../periods/period.loaders';
import type { RequestContext } from '../shared/context';
import { NotFoundError } from '../shared/errors';
import { pageOptions, propertiesFor, selectedFieldNames, selectsAny, selectsTimestamps } from '../shared/graphql';
import type { Connection, ConnectionArgs, PageOptions } from '../shared/pagination';
import type { ModelFilter, ModelOrder } from './model.inputs';
import type { CommunityModel } from './model.entity';
import type { ModelOrganisationRow, ModelService } from './model.service';
import { MODEL_FIELD_PROPERTIES, type ModelColumns, type ModelParent } from './model.sql';

export interface ModelServices {
  models: ModelService;
}

/** The models feature's DataLoaders of one request (or one live event). */
export function modelLoaders({ models }: ModelServices) {
  return {
    modelById: new DataLoader<string, CommunityModel | null>((ids) => models.byIds(ids)),
    organisationsByModelId: new DataLoader<string, ModelOrganisationRow[]>((ids) => models.organisationsOf(ids)),
    leadOrganisationByModelId: new DataLoader<string, Organisation | null>((ids) => models.leadsOf(ids)),
    /** The same rows without their timestamps, for selections that do not show them. */
    untimedLeadOrganisationByModelId: new DataLoader<string, Organisation | null>((ids) => models.leadsOf(ids, false)),
  };
}

export type ModelLoaders = ReturnType<typeof modelLoaders>;

/** What the models feature's resolvers read: models, with the organisations and periods they point to. */
export type ModelsContext = RequestContext<ModelServices & OrganisationServices & PeriodServices, ModelLoaders & OrganisationLoaders & PeriodLoaders>;

/**
 * A filter's `period` must name a reporting period: an unknown code is NOT_FOUND (it used to
 * select nothing, silently). Read through the request's loader: one statement for every list of
 * the request, none when no filter names a period.
 */
export async function requireFilterPeriod(loaders: Pick<PeriodLoaders, 'periodByCode'>, filter: Pick<ModelFilter, 'period'> | null | undefined): Promise<void> {
  if (!filter?.period) return;
  if (await loaders.periodByCode.load(filter.period)) return;
  const error = new NotFoundError('Reporting period', filter.period);
  Object.assign(error.extensions, { argument: 'filter.period' });
  throw error;
}

/**
 * A model list at `info` (Query.models, or Organisation.models and Model.replicas for the parents
 * `parent.ids`): its filter's period checked, one page statement, then the nested lists its nodes
 * select that the page brings (PageLoaders.bring). One page per parent, in the parents' order.
 */
export async function modelPages(
  ctx: RequestContext<ModelServices, Pick<PeriodLoaders, 'periodByCode'>>,
  info: GraphQLResolveInfo,
  args: ConnectionArgs,
  filter: ModelFilter | null,
  orderBy: ModelOrder | null,
  parent?: ModelParent & { ids: readonly string[] },
): Promise<Array<Connection<CommunityModel>>> {
  await requireFilterPeriod(ctx.loaders, filter);
  const pages = await ctx.services.models.page(args, filter, orderBy, parent, modelPageOptions(info));
  await ctx.loaders.bring(ctx, info, 'Model', pages);
  return pages;
}

type ModelPageOptions = Required<PageOptions> & Required<ModelColumns>;

/**
 * How a model list (Query.models, Organisation.models, Model.replicas) reads its page: the columns
 * its nodes' fields read (MODEL_FIELD_PROPERTIES), the sort key only when a cursor is asked for, and, when the nodes show their lead
 * organisation without timestamps, the lead in the same statement (see ModelRow). Remembered
 * per place in the document: every parent of a nested list asks again.
 */
export function modelPageOptions(info: GraphQLResolveInfo): ModelPageOptions {
  let options = modelPageOptionsAt.get(info.fieldNodes);
  if (!options) {
    const fields = selectedFieldNames(info, ['edges', 'node']);
    const page = pageOptions(info);
    const cursors = selectsAny(info, ['cursor'], ['edges']) || selectsAny(info, ['startCursor', 'endCursor'], ['pageInfo']);
    const withLead = fields.includes('leadOrganisation') && !selectsTimestamps(info, ['edges', 'node', 'leadOrganisation']);
    let properties = propertiesFor(fields, MODEL_FIELD_PROPERTIES);
    // Rows that only show their own columns (say, a replica's name and the lead it brings) are
    // read without their id: a cursor and a parent's count (its empty page is the row without an
    // id) keep it.
    if (!cursors && !page.withCount)
      properties = withoutUnreadId(properties, fields, MODEL_FIELD_PROPERTIES, (field) => field === 'leadOrganisation' && withLead);
    const leadFields = selectedFieldNames(info, ['edges', 'node', 'leadOrganisation']);
    options = {
      ...page,
      cursors,
      properties,
      withLead,
      // The lead a page brings is only shown: its id too is left out when no field reads it.
      leadProperties: withoutUnreadId(propertiesFor(leadFields, ORGANISATION_FIELD_PROPERTIES), leadFields, ORGANISATION_FIELD_PROPERTIES),
    };
    modelPageOptionsAt.set(info.fieldNodes, options);
  }
  return options;
}

const modelPageOptionsAt = new WeakMap<readonly FieldNode[], ModelPageOptions>();

/**
 * `properties` without `id` when none of `fields` reads it: each shows only its own columns
 * (a non-empty list in `needs`; an empty one is a field reading the id), is `__typename`, or is
 * `alsoWithout` (what the row brings along). At least one column stays.
 */
function withoutUnreadId(
  properties: string[] | null,
  fields: readonly string[],
  needs: Readonly<Record<string, readonly string[]>>,
  alsoWithout: (field: string) => boolean = () => false,
): string[] | null {
  if (!properties || properties.length < 2) return properties;
  const readsId = (field: string) => {
    if (field === '__typename' || alsoWithout(field)) return false;
    const read = Object.hasOwn(needs, field) ? needs[field] : undefined;
    return read === undefined || read.length === 0;
  };
  return fields.some(readsId) ? properties : properties.filter((property) => property !== 'id');
}

/**
 * A model row of a page read with `withLead`: `__lead` is its lead organisation (untimed, or null
 * when it has none), which Model.leadOrganisation returns as it is; the lead loader batches only
 * the leads a page did not bring.
 */
export type ModelRow = CommunityModel & { __lead?: Organisation | null };
