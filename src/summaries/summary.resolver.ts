import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { requireFilterPeriod } from '../models/model.loaders';
import { ModelFilter } from '../models/model.inputs';
import { Organisation } from '../organisations/organisation.entity';
import { selectsField } from '../shared/graphql';
import type { SummariesContext as Context } from './summary.loaders';
import { broughtSummary, type OrganisationWithSummary } from './summary.service';
import { ModelSummary } from './summary.types';

@Resolver()
export class SummaryResolver {
  @Query(() => ModelSummary, {
    description:
      'Figures over the models a `models` filter selects (archived models stay in the set unless `status` says otherwise, as in Organisation.summary). ' +
      'Organisation scope, domain, status and period filters, alone or combined, read maintained aggregates; a search or a start-date range is one GROUP BY over the matching models.',
  })
  async summary(
    @Arg('filter', () => ModelFilter, { nullable: true, description: 'Which models: every condition given must hold.' }) filter: ModelFilter | null,
    @Arg('period', () => String, {
      nullable: true,
      description:
        'Period code, e.g. "2023-H1": adds the started and replicated figures for it (an unknown code is a NOT_FOUND error on those two figures only).',
    })
    period: string | null,
    @Ctx() ctx: Context,
  ): Promise<ModelSummary> {
    await requireFilterPeriod(ctx.loaders, filter);
    return ctx.services.summaries.forFilter(filter, period ?? null);
  }
}

/** An organisation's figures: a field this feature adds to Organisation. */
@Resolver(() => Organisation)
export class OrganisationSummaryResolver {
  @FieldResolver(() => ModelSummary, {
    description:
      "Figures over the models run anywhere in this organisation's subtree (with includeDescendants: false, by it alone): the same set as Organisation.models with the same arguments. Optionally for a period. Batched: one SQL statement for every organisation in the response.",
  })
  summary(
    @Root() org: Organisation,
    @Arg('period', () => String, {
      nullable: true,
      description:
        'Period code, e.g. "2023-H1": adds the started and replicated figures for it (an unknown code is a NOT_FOUND error on those two figures only).',
    })
    period: string | null,
    @Arg('includeDescendants', () => Boolean, {
      defaultValue: true,
      description: 'Whether models run anywhere below this organisation count (the default) or only those it runs itself.',
    })
    includeDescendants: boolean,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): ModelSummary | Promise<ModelSummary> {
    // An organisation page that read its rows with this summary's key brought the figures
    // (summaryOnPage): no statement, no loader round. Otherwise the loader batches them.
    const brought = (org as Organisation & OrganisationWithSummary).__summary;
    if (
      brought &&
      period == null &&
      includeDescendants === brought.subtree &&
      (brought.organisations !== undefined || !selectsField(info, 'organisationsInvolved'))
    )
      return broughtSummary(brought);
    return ctx.loaders.summaryByOrganisation.load({ organisationId: org.id, period: period ?? null, includeDescendants });
  }
}
