import type { FeatureModule } from '../shared/module';
import { STATEMENT_COST } from '../shared/statement-costs';
import { ChangeResolver } from './change.resolver';

/** The change log: polled as a connection, followed live over WebSocket, resumable by cursor. */
export const eventsModule: FeatureModule = {
  resolvers: [ChangeResolver],
  statementCosts: {
    'Query.changes': STATEMENT_COST,
  },
};
