import type { DataSource } from 'typeorm';
import { SubscriberTooSlowError } from '../shared/errors';
import { SqlParams } from '../shared/sql';
import { matcherConditions, matches, type ChangeMatcher } from './change-filter';
import type { LoggedEvent } from './change.types';
import type { NotificationSource } from './notification-source';

export const EVENT_SELECT = `e.id::text AS id, e.id::text AS cursor, e.type, e.entity_type AS "entityType", e.entity_id AS "entityId",
  e.actor, e.at, e.payload, e.organisation_paths AS "organisationPaths"`;

/** Rows read from the log per statement, by the hub and by replays. */
const BATCH = 500;

/** A subscription the hub watches while it is live, so a consumer stuck on a slow socket can be told. */
export interface LiveReader {
  position: number;
  /** Called once when the reader fell out of the in-memory window: the transport disconnects it. */
  tooSlow(resumeAfter: string): void;
}

/**
 * Fans the change log out to subscriptions. One hub per server instance: it reads each new
 * event from `change_event` once (woken by NOTIFY, which carries only the new id) and keeps the
 * latest `bufferSize` events in memory, so N subscribers cost one read, not N. A subscription
 * is a position in the log: it replays older events from the table, then follows the buffer.
 * Ids become visible in id order (see event-log.ts), so reading `id > position` never skips.
 */
export class EventHub {
  /** Events with ids in (floor, head], ascending. */
  private buffer: LoggedEvent[] = [];
  private floor = 0;
  private headId = 0;
  private pulling: Promise<void> | null = null;
  private pullAgain = false;
  private wakers = new Set<() => void>();
  private readonly live = new Set<LiveReader>();
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly source: NotificationSource,
    private readonly bufferSize: number,
  ) {}

  /** The id of the newest event this instance has read. */
  get head(): number {
    return this.headId;
  }

  get listening(): boolean {
    return this.source.connected;
  }

  async start(): Promise<void> {
    const [row]: Array<{ id: string | null }> = await this.db.query('SELECT max(id)::text AS id FROM change_event');
    this.headId = this.floor = Number(row?.id ?? 0);
    // On every (re)connection the hub catches up from the log: nothing committed while the
    // listening connection was down is lost.
    await this.source.start(() => void this.pull());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.stop();
    this.wake();
  }

  /** Reads every event after the head into the buffer; concurrent calls coalesce. */
  pull(): Promise<void> {
    if (this.pulling) {
      this.pullAgain = true;
      return this.pulling;
    }
    this.pulling = (async () => {
      try {
        do {
          this.pullAgain = false;
          let rows: LoggedEvent[];
          do {
            rows = await this.db.query(`SELECT ${EVENT_SELECT} FROM change_event e WHERE e.id > $1 ORDER BY e.id LIMIT ${BATCH}`, [this.headId]);
            if (rows.length) this.append(rows);
          } while (rows.length === BATCH && !this.stopped);
        } while (this.pullAgain && !this.stopped);
      } catch (error) {
        // The database is away: the source reconnects and pulls again; subscribers just wait.
        if (!this.stopped) console.error('[events] reading the change log failed:', (error as Error).message);
      } finally {
        this.pulling = null;
      }
    })();
    return this.pulling;
  }

  private append(rows: LoggedEvent[]): void {
    this.buffer.push(...rows);
    this.headId = Number(rows[rows.length - 1].id);
    const excess = this.buffer.length - this.bufferSize;
    if (excess > 0) {
      this.floor = Number(this.buffer[excess - 1].id);
      this.buffer.splice(0, excess);
      for (const reader of this.live) {
        if (reader.position < this.floor) {
          this.live.delete(reader);
          reader.tooSlow(String(reader.position));
        }
      }
    }
    this.wake();
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const w of wakers) w();
  }

  /** Resolves when the head moves (or the hub stops). */
  private changed(): Promise<void> {
    return new Promise((resolve) => this.wakers.add(resolve));
  }

  /** Buffered events after `position`, or null when `position` is older than the buffer. */
  private buffered(position: number): LoggedEvent[] | null {
    if (position < this.floor) return null;
    let lo = 0;
    let hi = this.buffer.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Number(this.buffer[mid].id) <= position) lo = mid + 1;
      else hi = mid;
    }
    return this.buffer.slice(lo);
  }

  /** Events after `after` (exclusive) up to `upTo` (inclusive) that pass the filter, read from the table. */
  async read(after: number, upTo: number, matcher: ChangeMatcher, limit: number): Promise<LoggedEvent[]> {
    const params = new SqlParams();
    const where = [`e.id > ${params.add(after)}`, `e.id <= ${params.add(upTo)}`, ...matcherConditions(matcher, params)];
    return this.db.query(`SELECT ${EVENT_SELECT} FROM change_event e WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT ${limit}`, params.values);
  }

  /**
   * The events after `after` that pass the filter, in log order, without end: first the ones
   * already committed (from the table, in batches), then each new one as it arrives. A reader that stays more than
   * `bufferSize` events behind the live head is told (`tooSlow`) and the stream throws.
   * `predicate` decides on live events; replays filter in SQL with `matcher`.
   */
  async *stream(
    after: number,
    matcher: ChangeMatcher,
    tooSlow: (resumeAfter: string) => void,
    predicate: (event: LoggedEvent) => boolean = (event) => matches(matcher, event),
  ): AsyncGenerator<LoggedEvent> {
    let position = after;
    const reader: LiveReader = { position, tooSlow };
    let watched = false;
    try {
      while (!this.stopped) {
        const buffered = this.buffered(position);
        if (buffered === null) {
          if (watched) throw new SubscriberTooSlowError(String(position));
          // Replaying history older than the buffer: straight from the table, up to the buffer.
          const upTo = this.floor;
          const rows = await this.read(position, upTo, matcher, BATCH);
          for (const event of rows) {
            position = Number(event.id);
            yield event;
          }
          if (rows.length < BATCH) position = Math.max(position, upTo);
          continue;
        }
        if (!watched) {
          watched = true;
          this.live.add(reader);
        }
        if (buffered.length === 0) {
          await this.changed();
          continue;
        }
        for (const event of buffered) {
          if (reader.position < this.floor && !this.live.has(reader)) throw new SubscriberTooSlowError(String(reader.position));
          position = reader.position = Number(event.id);
          if (predicate(event)) yield event;
        }
      }
    } finally {
      this.live.delete(reader);
    }
  }
}
