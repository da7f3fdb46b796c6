import type { ModelFilter } from '../models/model.inputs';
import type { FeatureModule } from '../shared/module';
import { AGGREGATE_COST, STATEMENT_COST } from '../shared/statement-costs';
import { OrganisationSummaryResolver, SummaryResolver } from './summary.resolver';
import { summaryPath } from './summary.service';

/** Summary figures per domain, status, period and organisation subtree, kept in the same transaction as every change. */
export const summariesModule: FeatureModule = {
  resolvers: [SummaryResolver, OrganisationSummaryResolver],
  statementCosts: {
    // Per alias: scope, domain, status and period filters are an indexed read of the maintained
    // aggregates; a search or a start-date range one GROUP BY over the matching models.
    'Query.summary': (args) => (summaryPath(args.filter as ModelFilter | null | undefined) === 'aggregate' ? STATEMENT_COST : AGGREGATE_COST),
  },
};
