import DataLoader from 'dataloader';
import type { Organisation } from '../organisations/organisation.entity';
import type { OrganisationLoaders, OrganisationServices } from '../organisations/organisation.loaders';
import type { PeriodLoaders, PeriodServices } from '../periods/period.loaders';
import type { RequestContext } from '../shared/context';
import { NotFoundError } from '../shared/errors';
import type { ModelFilter } from './model.inputs';
import type { CommunityModel } from './model.entity';
import type { ModelOrganisationRow, ModelService } from './model.service';

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
