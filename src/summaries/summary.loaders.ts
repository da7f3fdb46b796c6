import DataLoader from 'dataloader';
import { Kind, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { OrganisationLoaders, OrganisationServices } from '../organisations/organisation.loaders';
import type { PeriodLoaders, PeriodServices } from '../periods/period.loaders';
import type { RequestContext } from '../shared/context';
import { fieldNodesAt, selectsAny } from '../shared/graphql';
import type { PageSummaryKey, SummaryKey, SummaryService } from './summary.service';
import type { ModelSummary } from './summary.types';

export interface SummaryServices {
  summaries: SummaryService;
}

/** The summaries feature's DataLoaders of one request (or one live event). */
export function summaryLoaders({ summaries }: SummaryServices) {
  return {
    summaryByOrganisation: new DataLoader<SummaryKey, ModelSummary, string>((keys) => summaries.forOrganisations(keys), {
      cacheKeyFn: (k) => `${k.organisationId}:${k.period ?? ''}:${k.includeDescendants}`,
    }),
  };
}

export type SummaryLoaders = ReturnType<typeof summaryLoaders>;

/** What the summaries feature's resolvers read. */
export type SummariesContext = RequestContext<SummaryServices & OrganisationServices & PeriodServices, SummaryLoaders & OrganisationLoaders & PeriodLoaders>;

/**
 * Which Organisation.summary an organisation page (Query.organisations, read at `info`) brings on
 * its rows (see summaryColumn), or null: the first `summary` its nodes select (through fragments)
 * whose arguments are literals asking for no period. A summary with other arguments, or with
 * variables, reads through the loader as before; so does every organisation a page did not bring
 * (nested lists, node, organisation, _entities). Remembered per place in the document.
 */
export function summaryOnPage(info: GraphQLResolveInfo): PageSummaryKey | null {
  let key = summaryOnPageAt.get(info.fieldNodes);
  if (key === undefined) {
    const subtree = servedSubtree(info);
    key = subtree === null ? null : { subtree, organisations: selectsAny(info, ['organisationsInvolved'], ['edges', 'node', 'summary']) };
    summaryOnPageAt.set(info.fieldNodes, key);
  }
  return key;
}

const summaryOnPageAt = new WeakMap<readonly FieldNode[], PageSummaryKey | null>();

/** includeDescendants of the first `summary` under edges.node that a page can serve (literal arguments, no period), or null. */
function servedSubtree(info: GraphQLResolveInfo): boolean | null {
  for (const field of fieldNodesAt(info, ['edges', 'node'], 'summary')) {
    const subtree = servable(field);
    if (subtree !== null) return subtree;
  }
  return null;
}

/** includeDescendants of a `summary` field whose arguments are literals without a period (the default: true), or null. */
function servable(field: FieldNode): boolean | null {
  let subtree = true;
  for (const arg of field.arguments ?? []) {
    if (arg.name.value === 'period' && arg.value.kind === Kind.NULL) continue;
    if (arg.name.value === 'includeDescendants' && arg.value.kind === Kind.BOOLEAN) subtree = arg.value.value;
    else return null;
  }
  return subtree;
}
