import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Organisation } from '../organisations/organisation.entity';
import { listComplexity, requireActor } from '../shared/graphql';
import { PeriodReport } from './period-report.entity';
import { CreateReportingPeriodInput, RecordPeriodReportInput } from './period.inputs';
import type { PeriodsContext as Context } from './period.loaders';
import { DomainFigures } from './period.types';
import { ReportingPeriod } from './reporting-period.entity';

const FIGURES = ['total', 'economy', 'cultureSociety', 'securityDefence', 'politicalSystem', 'newlyReplicated'] as const;

@Resolver(() => ReportingPeriod)
export class ReportingPeriodResolver {
  @Query(() => [ReportingPeriod], { complexity: listComplexity(20), description: 'All reporting periods, newest first.' })
  async reportingPeriods(@Ctx() ctx: Context): Promise<ReportingPeriod[]> {
    return ctx.services.periods.all();
  }

  @Query(() => ReportingPeriod, { nullable: true, description: 'One reporting period by code; null when there is none.' })
  async reportingPeriod(
    @Arg('code', () => String, { description: 'The period\'s code, e.g. "2023-H1".' }) code: string,
    @Ctx() ctx: Context,
  ): Promise<ReportingPeriod | null> {
    return ctx.loaders.periodByCode.load(code);
  }

  @FieldResolver(() => [PeriodReport], { complexity: listComplexity(50), description: 'Reports recorded for this period, by organisation.' })
  async reports(@Root() period: ReportingPeriod, @Ctx() ctx: Context): Promise<PeriodReport[]> {
    return ctx.loaders.reportsByPeriodId.load(period.id);
  }

  @Mutation(() => ReportingPeriod, { description: 'Creates a reporting period; a code already used is CONFLICT.' })
  async createReportingPeriod(
    @Arg('input', () => CreateReportingPeriodInput, { description: "What to change; see the input type for each field's rules." })
    input: CreateReportingPeriodInput,
    @Ctx() ctx: Context,
  ): Promise<ReportingPeriod> {
    return ctx.services.periods.createPeriod(input, requireActor(ctx));
  }
}

@Resolver(() => PeriodReport)
export class PeriodReportResolver {
  @FieldResolver(() => Organisation, { description: 'The organisation that reported.' })
  async organisation(@Root() report: PeriodReport, @Ctx() ctx: Context): Promise<Organisation | null> {
    return ctx.loaders.organisationById.load(report.organisationId);
  }

  @FieldResolver(() => ReportingPeriod, { description: 'The period reported on.' })
  async period(@Root() report: PeriodReport, @Ctx() ctx: Context): Promise<ReportingPeriod | null> {
    return ctx.loaders.periodById.load(report.periodId);
  }

  @FieldResolver(() => DomainFigures, { description: 'The figures as reported.' })
  reported(@Root() report: PeriodReport): DomainFigures {
    return report;
  }

  @FieldResolver(() => DomainFigures, {
    description: 'What is registered here for the same organisation subtree: models recognised in the period (not archived) and replications dated within it.',
  })
  async registered(@Root() report: PeriodReport, @Ctx() ctx: Context): Promise<DomainFigures> {
    return ctx.loaders.registeredByOrganisationPeriod.load({ organisationId: report.organisationId, periodId: report.periodId });
  }

  @FieldResolver(() => DomainFigures, { description: 'Reported minus registered, per figure; null where the report gives no figure.' })
  async difference(@Root() report: PeriodReport, @Ctx() ctx: Context): Promise<DomainFigures> {
    const registered = await ctx.loaders.registeredByOrganisationPeriod.load({ organisationId: report.organisationId, periodId: report.periodId });
    const result = {} as DomainFigures;
    for (const key of FIGURES) {
      const reported = report[key];
      result[key] = reported == null ? null : reported - registered[key];
    }
    return result;
  }

  @Mutation(() => PeriodReport, { description: "Records an organisation's reported figures for a period; to replace them send the version you read." })
  async recordPeriodReport(
    @Arg('input', () => RecordPeriodReportInput, { description: "What to change; see the input type for each field's rules." }) input: RecordPeriodReportInput,
    @Ctx() ctx: Context,
  ): Promise<PeriodReport> {
    return ctx.services.periods.recordReport(input, requireActor(ctx));
  }
}

/** The reports an organisation filed: a field this feature adds to Organisation. */
@Resolver(() => Organisation)
export class OrganisationReportsResolver {
  @FieldResolver(() => [PeriodReport], { complexity: listComplexity(10), description: 'Figures this organisation reported, newest period first.' })
  async reports(@Root() org: Organisation, @Ctx() ctx: Context): Promise<PeriodReport[]> {
    return ctx.loaders.reportsByOrganisationId.load(org.id);
  }
}
