import DataLoader from 'dataloader';
import type { OrganisationLoaders, OrganisationServices } from '../organisations/organisation.loaders';
import type { RequestContext } from '../shared/context';
import type { PeriodReport } from './period-report.entity';
import type { PeriodService, RegisteredFigures } from './period.service';
import type { ReportingPeriod } from './reporting-period.entity';

export interface PeriodServices {
  periods: PeriodService;
}

/** The reporting feature's DataLoaders of one request (or one live event). */
export function periodLoaders({ periods }: PeriodServices) {
  return {
    periodById: new DataLoader<string, ReportingPeriod | null>((ids) => periods.byIds(ids)),
    periodByCode: new DataLoader<string, ReportingPeriod | null>((codes) => periods.byCodes(codes)),
    reportsByOrganisationId: new DataLoader<string, PeriodReport[]>((ids) => periods.reportsByOrganisation(ids)),
    reportsByPeriodId: new DataLoader<string, PeriodReport[]>((ids) => periods.reportsByPeriod(ids)),
    registeredByOrganisationPeriod: new DataLoader<{ organisationId: string; periodId: string }, RegisteredFigures, string>(
      (keys) => periods.registered(keys),
      {
        cacheKeyFn: (k) => `${k.organisationId}:${k.periodId}`,
      },
    ),
  };
}

export type PeriodLoaders = ReturnType<typeof periodLoaders>;

/** What the reporting feature's resolvers read. */
export type PeriodsContext = RequestContext<PeriodServices & OrganisationServices, PeriodLoaders & OrganisationLoaders>;
