import type { DataSource } from 'typeorm';
import type { Config } from '../shared/config';
import { BadUserInputError, ServiceUnavailableError } from '../shared/errors';
import { checkPageSize, connectionsByParent, toConnection, withTotals, type Connection } from '../shared/pagination';
import { isUuid } from '../shared/ids';
import { SqlParams } from '../shared/sql';
import { mapStream } from '../shared/streams';
import type { SummaryLoaders } from '../summaries/summary.loaders';
import type { SummaryKey, SummaryService } from '../summaries/summary.service';
import { matcherConditions, matches, resolveMatcher, type ChangeFilterInput, type ChangeMatcher } from './change-filter';
import { ChangeType, type LoggedEvent, type SummaryUpdate } from './change.types';
import type { EventHub } from './event-hub';
import { EVENT_SELECT } from './event.sql';

/** What live deliveries resolve through: the DataLoaders of one event (fresh per event, shared by its subscribers). */
export type LoadersOfEvent = (event: LoggedEvent) => SummaryLoaders;

const CURSOR = /^\d{1,15}$/;

/** The change log as a connection (for polling partners) and as live streams (for subscriptions). */
export class EventService {
  constructor(
    private readonly db: DataSource,
    private readonly config: Config,
    private readonly hub: EventHub | null,
    private readonly summaries: SummaryService,
    private readonly loadersOf: LoadersOfEvent,
  ) {}

  /**
   * A position in the log: the client's cursor (a log id this database has reached), or the
   * latest committed event when there is none ("from now").
   */
  async position(after: string | null | undefined): Promise<number> {
    if (after != null && !CURSOR.test(after)) {
      throw new BadUserInputError('`after` must be an event cursor (the `cursor` of a ChangeEvent), e.g. "42".', { argument: 'after' });
    }
    const [row]: Array<{ id: string | null }> = await this.db.query('SELECT max(id)::text AS id FROM change_event');
    const latest = Number(row?.id ?? 0);
    if (after == null) return latest;
    if (Number(after) > latest) {
      throw new BadUserInputError(`Cursor ${after} is ahead of the log (latest ${latest}); it does not come from this service.`, { argument: 'after' });
    }
    return Number(after);
  }

  matcher(filter: ChangeFilterInput | null | undefined, onlyTypes?: ChangeType[]): Promise<ChangeMatcher> {
    return resolveMatcher(this.db.manager, filter, onlyTypes);
  }

  /**
   * Events after the cursor, oldest first: a page of at most `first`, with the number of matching
   * events after the cursor when asked for (cursor and filter resolved once for both).
   */
  async page(
    after: string | null | undefined,
    first: number | null | undefined,
    filter: ChangeFilterInput | null | undefined,
    withCount = false,
  ): Promise<Connection<LoggedEvent>> {
    const limit = checkPageSize('first', first ?? this.config.defaultPageSize, this.config.maxPageSize);
    const from = after == null ? 0 : await this.position(after);
    const params = new SqlParams();
    const where = [`e.id > ${params.add(from)}`, ...matcherConditions(await this.matcher(filter), params)].join(' AND ');
    const page = `SELECT ${EVENT_SELECT} FROM change_event e WHERE ${where} ORDER BY e.id LIMIT ${limit + 1}`;
    const sql = withCount ? withTotals(`SELECT count(*)::int AS total FROM change_event e WHERE ${where}`, page) : page;
    const rows: Array<LoggedEvent & { __total?: number }> = await this.db.query(sql, params.values);
    const total = withCount ? (rows[0]?.__total ?? 0) : undefined;
    const events = withCount ? rows.filter((row) => row.id != null) : rows;
    return toConnection(events, { limit, backwards: false, fromCursor: from > 0 }, (node) => ({ cursor: node.cursor, node }), total);
  }

  /**
   * The history of each entity (`Model` or `Organisation` ids): its own events from the log,
   * newest first, `first` after the event cursor `after`. One statement for every parent (a
   * LATERAL join keeps each to its page), with each parent's `totalCount` when asked for.
   */
  async history(
    entityType: 'Model' | 'Organisation',
    ids: readonly string[],
    first: number | null | undefined,
    after: string | null | undefined,
    withCount = false,
  ): Promise<Array<Connection<LoggedEvent>>> {
    const limit = checkPageSize('first', first ?? this.config.defaultPageSize, this.config.maxPageSize);
    if (after != null && !CURSOR.test(after)) {
      throw new BadUserInputError('`after` must be an event cursor (the `cursor` of a ChangeEvent), e.g. "42".', { argument: 'after' });
    }
    const params = new SqlParams();
    const filter = `e.entity_type = ${params.add(entityType)} AND e.entity_id = p.id`;
    const where = after == null ? filter : `${filter} AND e.id < ${params.add(after)}::bigint`;
    const parents = `unnest(${params.add(ids.filter(isUuid))}::uuid[]) WITH ORDINALITY AS p(id, n)`;
    const page = `SELECT ${EVENT_SELECT} FROM change_event e WHERE ${where} ORDER BY e.id DESC LIMIT ${limit + 1}`;
    const sql = withCount
      ? withTotals(`SELECT count(*)::int AS total FROM change_event e WHERE ${filter}`, page, parents)
      : `SELECT p.id AS "__parent", x.* FROM ${parents} CROSS JOIN LATERAL (${page}) x ORDER BY p.n`;
    const rows: Array<LoggedEvent & { __parent: string; __total?: number }> = await this.db.query(sql, params.values);
    return connectionsByParent(rows, ids, { limit, backwards: false, fromCursor: after != null }, (node) => ({ cursor: node.cursor, node }), withCount);
  }

  private requireHub(): EventHub {
    if (!this.hub) throw new ServiceUnavailableError('Live updates are not running on this instance.');
    return this.hub;
  }

  /**
   * Replays the events after `after` that pass the filter, then follows new ones. Resolved
   * before the stream starts, so a bad cursor or an unknown organisation is refused at once.
   */
  async stream(
    after: string | null | undefined,
    filter: ChangeFilterInput | null | undefined,
    onlyTypes: ChangeType[] | undefined,
    tooSlow: (resumeAfter: string) => void,
  ): Promise<AsyncIterableIterator<LoggedEvent>> {
    const hub = this.requireHub();
    const position = await this.position(after);
    const matcher = await this.matcher(filter, onlyTypes);
    return hub.stream(position, matcher, tooSlow);
  }

  /**
   * The summary of one organisation now, then again each time a change that can move it
   * commits and the figures differ from the last ones sent.
   */
  async summaryUpdates(
    organisationId: string,
    period: string | null,
    includeDescendants: boolean,
    tooSlow: (resumeAfter: string) => void,
  ): Promise<AsyncIterableIterator<SummaryUpdate>> {
    const hub = this.requireHub();
    const matcher = await this.matcher({ organisationId, includeDescendants });
    const key: SummaryKey = { organisationId, period, includeDescendants };
    const start = await this.position(null);
    // Loads the first figures now, so an unknown period is refused before the stream starts.
    const first = (await this.summaries.forOrganisations([key]))[0];
    // (A summary holds an unknown period as the error of its period figures: a stream of it would never be right.)
    const periodError: unknown = first.startedInPeriod;
    if (periodError instanceof Error) throw periodError;
    // Moving an organisation changes the figures of its old ancestors too, whatever the paths say.
    const relevant = (event: LoggedEvent) => event.type === ChangeType.ORGANISATION_UPDATED || matches(matcher, event);
    const events = hub.stream(start, matcher, tooSlow, relevant);
    let last = JSON.stringify(first);
    return mapStream(
      events,
      async (event): Promise<SummaryUpdate | undefined> => {
        const summary = await this.loadersOf(event).summaryByOrganisation.load(key);
        const json = JSON.stringify(summary);
        if (json === last) return undefined;
        last = json;
        return { organisationId, period, cursor: event.cursor, summary };
      },
      { organisationId, period, cursor: start ? String(start) : null, summary: first },
    );
  }
}
