import DataLoader from 'dataloader';
import type { RequestContext } from '../shared/context';
import type { Organisation } from './organisation.entity';
import type { OrganisationService } from './organisation.service';

export interface OrganisationServices {
  organisations: OrganisationService;
}

/** The organisations feature's DataLoaders of one request (or one live event). */
export function organisationLoaders({ organisations }: OrganisationServices) {
  return {
    organisationById: new DataLoader<string, Organisation | null>((ids) => organisations.byIds(ids)),
  };
}

export type OrganisationLoaders = ReturnType<typeof organisationLoaders>;

/** What the organisations feature's resolvers read. */
export type OrganisationsContext = RequestContext<OrganisationServices, OrganisationLoaders>;
