import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { ModelFilter } from '../models/model.inputs';
import { ModelSummary } from './summary.types';

@Resolver()
export class SummaryResolver {
  @Query(() => ModelSummary, {
    description:
      'Figures over the models a `models` filter selects (archived models stay in the set unless `status` says otherwise, as in Organisation.summary). ' +
      'With no filter, or only organisationId (and includeDescendants), it reads maintained aggregates; otherwise one GROUP BY over the matching models.',
  })
  async summary(
    @Arg('filter', () => ModelFilter, { nullable: true }) filter: ModelFilter | null,
    @Arg('period', () => String, { nullable: true, description: 'Period code, e.g. "2023-H1": adds the started and replicated figures for it.' }) period: string | null,
    @Ctx() ctx: Context,
  ): Promise<ModelSummary> {
    return ctx.services.summaries.forFilter(filter, period ?? null);
  }
}
