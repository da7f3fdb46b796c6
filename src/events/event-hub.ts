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
  /** The last event handed out (or skipped by the filter). */
  position: number;
  /**
   * The position when the consumer last asked for more: everything handed out before then has
   * been sent (graphql-ws asks for the next event only after sending the previous one).
   */
  delivered: number;
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
  stream(
    after: number,
    matcher: ChangeMatcher,
    tooSlow: (resumeAfter: string) => void,
    predicate: (event: LoggedEvent) => boolean = (event) => matches(matcher, event),
  ): AsyncIterableIterator<LoggedEvent> {
    return new LogStream(this, after, matcher, tooSlow, predicate);
  }

  // For LogStream (same module): the hub's state as a stream sees it.
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

/**
 * One subscription's read position in the log. A hand-written iterator rather than an async
 * generator: `return()` (the client unsubscribed or went away) takes effect at once, even while
 * the stream is waiting for the next event, so nothing lingers until the next change.
 */
class LogStream implements AsyncIterableIterator<LoggedEvent> {
  private readonly reader: LiveReader;
  private watched = false;
  private closed = false;
  /** Events fetched and not yet handed out, with the index of the next one. */
  private pending: LoggedEvent[] = [];
  private index = 0;
  private fromBuffer = false;
  /** After a short batch from the table: the position reached once it is handed out. */
  private resumeAt: number | null = null;
  private stopWaiting: (() => void) | null = null;

  constructor(
    private readonly hub: EventHub,
    after: number,
    private readonly matcher: ChangeMatcher,
    tooSlow: (resumeAfter: string) => void,
    private readonly predicate: (event: LoggedEvent) => boolean,
  ) {
    this.reader = { position: after, delivered: after, tooSlow };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LoggedEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<LoggedEvent>> {
    this.reader.delivered = this.reader.position;
    while (!this.closed && !this.hub.isStopped) {
      if (this.index < this.pending.length) {
        if (this.fromBuffer && !this.hub.isWatched(this.reader)) {
          // Evicted while the consumer was busy: the transport has been told to disconnect.
          throw new SubscriberTooSlowError(String(this.reader.delivered));
        }
        const event = this.pending[this.index++];
        this.reader.position = Number(event.id);
        if (!this.fromBuffer || this.predicate(event)) return { value: event, done: false };
        continue;
      }
      if (this.resumeAt !== null) {
        this.reader.position = Math.max(this.reader.position, this.resumeAt);
        this.resumeAt = null;
      }
      await this.fill();
    }
    return this.finish();
  }

  /** Loads the next events: from the buffer when the position is in it, else from the table. */
  private async fill(): Promise<void> {
    const position = this.reader.position;
    const buffered = this.hub.bufferedAfter(position);
    this.index = 0;
    if (buffered === null) {
      if (this.watched) throw new SubscriberTooSlowError(String(this.reader.delivered));
      // Replaying history older than the buffer: straight from the table, up to the buffer.
      const upTo = this.hub.floorId;
      this.pending = await this.hub.read(position, upTo, this.matcher, BATCH);
      this.fromBuffer = false;
      if (this.pending.length < BATCH) this.resumeAt = upTo;
      return;
    }
    if (!this.watched) {
      this.watched = true;
      this.hub.watch(this.reader);
    }
    this.pending = buffered;
    this.fromBuffer = true;
    if (buffered.length) return;
    await new Promise<void>((resolve) => {
      this.stopWaiting = resolve;
      void this.hub.whenChanged().then(resolve);
    });
    this.stopWaiting = null;
  }

  private finish(): IteratorResult<LoggedEvent> {
    this.closed = true;
    this.pending = [];
    this.hub.unwatch(this.reader);
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<LoggedEvent>> {
    const result = this.finish();
    this.stopWaiting?.();
    return result;
  }

  async throw(error: unknown): Promise<IteratorResult<LoggedEvent>> {
    this.finish();
    this.stopWaiting?.();
    throw error;
  }
}

/**
 * `source` through `step` (an undefined result is skipped), after an optional first value.
 * `return()` reaches the source at once, as with the log streams themselves.
 */
export function mapStream<T, U>(source: AsyncIterableIterator<T>, step: (value: T) => Promise<U | undefined>, first?: U): AsyncIterableIterator<U> {
  let pendingFirst = first !== undefined;
  const iterator: AsyncIterableIterator<U> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      if (pendingFirst) {
        pendingFirst = false;
        return { value: first as U, done: false };
      }
      for (;;) {
        const item = await source.next();
        if (item.done) return { value: undefined, done: true };
        const value = await step(item.value);
        if (value !== undefined) return { value, done: false };
      }
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
  };
  return iterator;
}
