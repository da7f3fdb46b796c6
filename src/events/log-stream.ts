import { SubscriberTooSlowError } from '../shared/errors';
import type { ChangeMatcher } from './change-filter';
import type { LoggedEvent } from './change.types';
import { LOG_BATCH } from './event.sql';

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

/** What a stream reads from the hub: its window of buffered events and its list of live readers. */
export interface StreamSource {
  readonly isStopped: boolean;
  readonly floorId: number;
  bufferedAfter(position: number): LoggedEvent[] | null;
  whenChanged(): Promise<void>;
  watch(reader: LiveReader): void;
  unwatch(reader: LiveReader): void;
  isWatched(reader: LiveReader): boolean;
  /** Events after `after` up to `upTo` that pass the filter, from the table. */
  read(after: number, upTo: number, matcher: ChangeMatcher, limit: number): Promise<LoggedEvent[]>;
}

/**
 * One subscription's read position in the log. A hand-written iterator rather than an async
 * generator: `return()` (the client unsubscribed or went away) takes effect at once, even while
 * the stream is waiting for the next event, so nothing lingers until the next change.
 */
export class LogStream implements AsyncIterableIterator<LoggedEvent> {
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
    private readonly hub: StreamSource,
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
      this.pending = await this.hub.read(position, upTo, this.matcher, LOG_BATCH);
      this.fromBuffer = false;
      if (this.pending.length < LOG_BATCH) this.resumeAt = upTo;
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
