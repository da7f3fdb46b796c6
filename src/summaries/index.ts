import type { ModelFilter } from '../models/model.inputs';
import type { FeatureModule } from '../shared/module';
import { AGGREGATE_COST, STATEMENT_COST } from '../shared/statement-costs';
import { OrganisationSummaryResolver, SummaryResolver } from './summary.resolver';
import { isScopeOnly } from './summary.service';

/** Summary figures per domain, status, period and organisation subtree, kept in the same transaction as every change. */
export const summariesModule: FeatureModule = {
  resolvers: [SummaryResolver, OrganisationSummaryResolver],
  statementCosts: {
    // Per alias: with no filter or only organisationId (+ includeDescendants) an indexed read of the
    // maintained aggregates; any other filter one GROUP BY over the matching models.
    'Query.summary': (args) => (isScopeOnly(args.filter as ModelFilter | null | undefined) ? STATEMENT_COST : AGGREGATE_COST),
  },
};
