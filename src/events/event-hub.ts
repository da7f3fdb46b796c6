import type { DataSource } from 'typeorm';
import { processLogger, type Logger } from '../shared/logger';
import { SqlParams } from '../shared/sql';
import { matcherConditions, matches, type ChangeMatcher } from './change-filter';
import type { LoggedEvent } from './change.types';
import { EVENT_SELECT, LOG_BATCH } from './event.sql';
import { LogStream, type LiveReader, type StreamSource } from './log-stream';
import type { NotificationSource } from './notification-source';

/**
 * Fans the change log out to subscriptions. One hub per server instance: it reads each new
 * event from `change_event` once (woken by NOTIFY, which carries only the new id) and keeps the
 * latest `bufferSize` events in memory, so N subscribers cost one read, not N. A subscription
 * is a position in the log: it replays older events from the table, then follows the buffer.
 * Ids become visible in id order (see event-log.ts), so reading `id > position` never skips.
 */
export class EventHub implements StreamSource {
  /** Events with ids in (floor, head], ascending. */
  private buffer: LoggedEvent[] = [];
  /** Estimated bytes of each buffered event (same order), and their sum. */
  private sizes: number[] = [];
  private bytes = 0;
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
    /** Bytes the buffer may hold (estimated: UTF-16 of the event's JSON); the oldest go first. */
    private readonly bufferBytes: number = Number.POSITIVE_INFINITY,
    private readonly log: Logger = processLogger(),
  ) {}

  /** Estimated bytes the buffered events hold. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  /** The id of the newest event this instance has read. */
  get head(): number {
    return this.headId;
  }

  get listening(): boolean {
    return this.source.connected;
  }

  /** Subscriptions following live events on this instance (replaying ones are not counted). */
  get liveSubscriptions(): number {
    return this.live.size;
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
            rows = await this.db.query(`SELECT ${EVENT_SELECT} FROM change_event e WHERE e.id > $1 ORDER BY e.id LIMIT ${LOG_BATCH}`, [this.headId]);
            if (rows.length) this.append(rows);
          } while (rows.length === LOG_BATCH && !this.stopped);
        } while (this.pullAgain && !this.stopped);
      } catch (error) {
        // The database is away: the source reconnects and pulls again; subscribers just wait.
        if (!this.stopped) this.log.error({ reason: (error as Error).message }, 'reading the change log failed; retrying when the listener is back');
      } finally {
        this.pulling = null;
      }
    })();
    return this.pulling;
  }

  private append(rows: LoggedEvent[]): void {
    this.buffer.push(...rows);
    for (const row of rows) {
      const size = 2 * JSON.stringify(row).length + 128;
      this.sizes.push(size);
      this.bytes += size;
    }
    this.headId = Number(rows[rows.length - 1].id);
    let excess = Math.max(0, this.buffer.length - this.bufferSize);
    for (let i = 0; i < excess; i += 1) this.bytes -= this.sizes[i];
    while (this.bytes > this.bufferBytes && excess < this.buffer.length - 1) this.bytes -= this.sizes[excess++];
    if (excess > 0) {
      this.floor = Number(this.buffer[excess - 1].id);
      this.buffer.splice(0, excess);
      this.sizes.splice(0, excess);
      for (const reader of this.live) {
        if (reader.position < this.floor) {
          this.live.delete(reader);
          reader.tooSlow(String(reader.delivered));
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
   * already committed (from the table, in batches), then each new one as it arrives. A reader
   * that falls more than `bufferSize` events behind the live head is told (`tooSlow`) and the
   * stream throws. `predicate` decides on live events; replays filter in SQL with `matcher`.
   */
  stream(after: number, matcher: ChangeMatcher, tooSlow: (resumeAfter: string) => void, predicate?: (event: LoggedEvent) => boolean): LogStream {
    return new LogStream(this, after, matcher, tooSlow, predicate ?? ((event) => matches(matcher, event)), !predicate);
  }

  // StreamSource: the hub's state as a LogStream sees it.
  get isStopped(): boolean {
    return this.stopped;
  }

  get floorId(): number {
    return this.floor;
  }

  bufferedAfter(position: number): LoggedEvent[] | null {
    return this.buffered(position);
  }

  whenChanged(): Promise<void> {
    return this.changed();
  }

  watch(reader: LiveReader): void {
    this.live.add(reader);
  }

  unwatch(reader: LiveReader): void {
    this.live.delete(reader);
  }

  isWatched(reader: LiveReader): boolean {
    return this.live.has(reader);
  }
}
