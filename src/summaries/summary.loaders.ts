import DataLoader from 'dataloader';
import type { OrganisationLoaders, OrganisationServices } from '../organisations/organisation.loaders';
import type { PeriodLoaders, PeriodServices } from '../periods/period.loaders';
import type { RequestContext } from '../shared/context';
import type { SummaryKey, SummaryService } from './summary.service';
import type { ModelSummary } from './summary.types';

export interface SummaryServices {
  summaries: SummaryService;
}

/** The summaries feature's DataLoaders of one request (or one live event). */
export function summaryLoaders({ summaries }: SummaryServices) {
  return {
    summaryByOrganisation: new DataLoader<SummaryKey, ModelSummary, string>((keys) => summaries.forOrganisations(keys), {
      cacheKeyFn: (k) => `${k.organisationId}:${k.period ?? ''}:${k.includeDescendants}`,
    }),
  };
}

export type SummaryLoaders = ReturnType<typeof summaryLoaders>;

/** What the summaries feature's resolvers read. */
export type SummariesContext = RequestContext<SummaryServices & OrganisationServices & PeriodServices, SummaryLoaders & OrganisationLoaders & PeriodLoaders>;
