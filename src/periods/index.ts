import type { FeatureModule } from '../shared/module';
import { STATEMENT_COST } from '../shared/statement-costs';
import { OrganisationReportsResolver, PeriodReportResolver, ReportingPeriodResolver } from './period.resolver';

/** Reporting periods and the figures organisations reported for them, set against what is registered. */
export const periodsModule: FeatureModule = {
  resolvers: [ReportingPeriodResolver, PeriodReportResolver, OrganisationReportsResolver],
  statementCosts: {
    'Query.reportingPeriods': STATEMENT_COST,
  },
};
