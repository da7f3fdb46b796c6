import type { FeatureModule } from '../shared/module';
import { STATEMENT_COST } from '../shared/statement-costs';
import { ChangeResolver } from './change.resolver';
import { ModelHistoryResolver, OrganisationHistoryResolver } from './history.resolver';

/** The change log: polled as a connection, followed live over WebSocket, resumable by cursor. */
export const eventsModule: FeatureModule = {
  resolvers: [ChangeResolver, ModelHistoryResolver, OrganisationHistoryResolver],
  statementCosts: {
    'Query.changes': STATEMENT_COST,
    // A page of the log per parent, one LATERAL statement for all of them.
    'Model.history': STATEMENT_COST,
    'Organisation.history': STATEMENT_COST,
  },
};
