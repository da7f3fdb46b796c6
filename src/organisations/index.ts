import { referenceId } from '../shared/entities';
import type { FeatureModule } from '../shared/module';
import { STATEMENT_COST } from '../shared/statement-costs';
import type { OrganisationsContext } from './organisation.loaders';
import { OrganisationResolver } from './organisation.resolver';

/** The organisation tree: the city, its wards and communes, and the bodies within them. */
export const organisationsModule: FeatureModule = {
  resolvers: [OrganisationResolver],
  references: {
    Organisation: async (ref: unknown, ctx: OrganisationsContext) => ctx.loaders.organisationById.load(referenceId(ref, 'Organisation')),
  },
  statementCosts: {
    'Query.organisations': STATEMENT_COST,
    'Organisation.children': STATEMENT_COST,
    'Organisation.descendants': STATEMENT_COST, // one prefix scan of the paths per distinct arguments, then a page of it
  },
};
