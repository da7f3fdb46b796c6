import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { CommunityModel } from '../models/model.entity';
import { Organisation } from '../organisations/organisation.entity';
import { ReplicationLink } from '../replications/replication-link.entity';
import { connectionComplexity, selectsField } from '../shared/graphql';
import { requireUuid } from '../shared/ids';
import type { Connection } from '../shared/pagination';
import { ChangeEventConnection, ChangeFilter, ChangeType, LoggedEvent, MODEL_CHANGES, ModelChangeFilter, SummaryUpdate } from './change.types';
import type { EventsContext as Context } from './event.loaders';

type SubscribeData<Args> = SubscribeResolverData<unknown, Args, Context>;

/** What a subscription does when its consumer falls too far behind: the transport disconnects it. */
function tooSlow(ctx: Context): (resumeAfter: string) => void {
  return (resumeAfter) => ctx.subscriber?.tooSlow(resumeAfter);
}

@Resolver(() => LoggedEvent)
export class ChangeResolver {
  @Query(() => ChangeEventConnection, {
    name: 'changes',
    complexity: connectionComplexity,
    description: 'The change log after a cursor, oldest first: poll it with the last `endCursor` to miss nothing.',
  })
  async changeLog(
    @Arg('after', () => String, { nullable: true, description: 'A ChangeEvent cursor; omitted means from the beginning.' }) after: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'How many events, oldest first; default DEFAULT_PAGE_SIZE, at most MAX_PAGE_SIZE.' })
    first: number | null,
    @Arg('filter', () => ChangeFilter, { nullable: true, description: 'Which events: every condition given must hold.' }) filter: ChangeFilter | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<LoggedEvent>> {
    return ctx.services.events.page(after, first, filter, selectsField(info, 'totalCount'));
  }

  @Query(() => String, {
    description: 'The cursor of the newest committed event ("0" for an empty log): start polling or subscribing from now without missing anything.',
  })
  async latestChangeCursor(@Ctx() ctx: Context): Promise<string> {
    return String(await ctx.loaders.latestEventId());
  }

  @Subscription(() => LoggedEvent, {
    name: 'changes',
    description:
      'Every change after `after` (replayed from the log), then each new one as it commits: in order, no gap, no duplicate. ' +
      'Reconnect with the last `cursor` received to resume. Without `after`, starts now.',
    subscribe: async ({ args, context }: SubscribeData<{ after?: string | null; filter?: ChangeFilter | null }>) =>
      context.services.events.stream(args.after, args.filter, undefined, tooSlow(context)),
  })
  changeStream(
    @Root() event: LoggedEvent,
    @Arg('after', () => String, {
      nullable: true,
      description: "A cursor (an event's `cursor`, or latestChangeCursor): start right after it, replaying what followed; omitted, start from now.",
    })
    _after: string | null,
    @Arg('filter', () => ChangeFilter, { nullable: true, description: 'Which events: every condition given must hold.' }) _filter: ChangeFilter | null,
  ): LoggedEvent {
    return event;
  }

  @Subscription(() => LoggedEvent, {
    description: 'Models created, updated or archived (filter by domain and organisation subtree); resumable with `after`.',
    subscribe: async ({ args, context }: SubscribeData<{ after?: string | null; filter?: ModelChangeFilter | null }>) =>
      context.services.events.stream(args.after, args.filter, MODEL_CHANGES, tooSlow(context)),
  })
  modelChanged(
    @Root() event: LoggedEvent,
    @Arg('filter', () => ModelChangeFilter, { nullable: true, description: "Which models' changes: every condition given must hold." })
    _filter: ModelChangeFilter | null,
    @Arg('after', () => String, {
      nullable: true,
      description: "A cursor (an event's `cursor`, or latestChangeCursor): start right after it, replaying what followed; omitted, start from now.",
    })
    _after: string | null,
  ): LoggedEvent {
    return event;
  }

  @Subscription(() => LoggedEvent, {
    description: 'Replications recorded (filter by domain and by the organisation subtree of either model); resumable with `after`.',
    subscribe: async ({ args, context }: SubscribeData<{ after?: string | null; filter?: ModelChangeFilter | null }>) =>
      context.services.events.stream(args.after, args.filter, [ChangeType.REPLICATION_RECORDED], tooSlow(context)),
  })
  replicationRecorded(
    @Root() event: LoggedEvent,
    @Arg('filter', () => ModelChangeFilter, { nullable: true, description: "Which models' changes: every condition given must hold." })
    _filter: ModelChangeFilter | null,
    @Arg('after', () => String, {
      nullable: true,
      description: "A cursor (an event's `cursor`, or latestChangeCursor): start right after it, replaying what followed; omitted, start from now.",
    })
    _after: string | null,
  ): LoggedEvent {
    return event;
  }

  @Subscription(() => SummaryUpdate, {
    description: "An organisation's summary figures now, then again whenever a committed change moves them.",
    subscribe: async ({ args, context }: SubscribeData<{ organisationId: string; period?: string | null; includeDescendants: boolean }>) => {
      requireUuid(args.organisationId, 'organisationId', 'organisation');
      return context.services.events.summaryUpdates(args.organisationId, args.period ?? null, args.includeDescendants, tooSlow(context));
    },
  })
  summaryChanged(
    @Root() update: SummaryUpdate,
    @Arg('organisationId', () => ID, { description: 'The organisation whose figures to follow.' }) _organisationId: string,
    @Arg('period', () => String, { nullable: true, description: 'Period code, e.g. "2023-H1", for the started and replicated figures; omitted, all time.' })
    _period: string | null,
    @Arg('includeDescendants', () => Boolean, {
      defaultValue: true,
      description: 'Whether models run anywhere below the organisation count (the default) or only those it runs itself.',
    })
    _includeDescendants: boolean,
  ): SummaryUpdate {
    return update;
  }

  @FieldResolver(() => CommunityModel, {
    nullable: true,
    description: 'The model concerned, as it is now (the replica, for replication events); null if none.',
  })
  async model(@Root() event: LoggedEvent, @Ctx() ctx: Context): Promise<CommunityModel | null> {
    const id = event.entityType === 'Model' ? event.entityId : (event.payload.targetModelId as string | undefined);
    return id ? ctx.loaders.modelById.load(id) : null;
  }

  @FieldResolver(() => Organisation, { nullable: true, description: 'The organisation concerned, as it is now, for organisation events.' })
  async organisation(@Root() event: LoggedEvent, @Ctx() ctx: Context): Promise<Organisation | null> {
    return event.entityType === 'Organisation' ? ctx.loaders.organisationById.load(event.entityId) : null;
  }

  @FieldResolver(() => ReplicationLink, { nullable: true, description: 'The link, for replication events; null once it has been removed.' })
  async replicationLink(@Root() event: LoggedEvent, @Ctx() ctx: Context): Promise<ReplicationLink | null> {
    return event.entityType === 'ReplicationLink' ? ctx.loaders.replicationLinkById.load(event.entityId) : null;
  }
}
