import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { CommunityModel } from '../models/model.entity';
import { Organisation } from '../organisations/organisation.entity';
import { connectionComplexity, selectsField } from '../shared/graphql';
import type { Connection } from '../shared/pagination';
import { ChangeEventConnection, type LoggedEvent } from './change.types';
import type { EventsContext as Context } from './event.loaders';

const AFTER = { nullable: true, description: 'A ChangeEvent cursor: the events older than that one. Omitted: from the newest.' } as const;
const FIRST = { nullable: true, description: 'How many events, at most the page-size cap (default DEFAULT_PAGE_SIZE).' } as const;

/** One page of an entity's history for every parent at this place in the document: one statement. */
function historyPage(
  entityType: 'Model' | 'Organisation',
  id: string,
  first: number | null,
  after: string | null,
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<Connection<LoggedEvent>> {
  const withCount = selectsField(info, 'totalCount');
  return ctx.loaders
    .pages(`${entityType}.history`, info.fieldNodes, { first, after, withCount }, (ids) =>
      ctx.services.events.history(entityType, ids, first, after, withCount),
    )
    .load(id) as Promise<Connection<LoggedEvent>>;
}

@Resolver(() => CommunityModel)
export class ModelHistoryResolver {
  @FieldResolver(() => ChangeEventConnection, {
    complexity: connectionComplexity,
    description:
      "Who changed this model and when: its events from the change log (created, updated, archived), newest first, each with the caller's `actor` (token `sub`) and `actorRole`.",
  })
  history(
    @Root() model: CommunityModel,
    @Arg('first', () => Int, FIRST) first: number | null,
    @Arg('after', () => String, AFTER) after: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<LoggedEvent>> {
    return historyPage('Model', model.id, first, after, ctx, info);
  }
}

@Resolver(() => Organisation)
export class OrganisationHistoryResolver {
  @FieldResolver(() => ChangeEventConnection, {
    complexity: connectionComplexity,
    description:
      "Who changed this organisation and when: its events from the change log (created, updated or moved, archived), newest first, each with the caller's `actor` (token `sub`) and `actorRole`.",
  })
  history(
    @Root() organisation: Organisation,
    @Arg('first', () => Int, FIRST) first: number | null,
    @Arg('after', () => String, AFTER) after: string | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<LoggedEvent>> {
    return historyPage('Organisation', organisation.id, first, after, ctx, info);
  }
}
