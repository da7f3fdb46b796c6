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
  /** The id of the newest event read into the buffer. */
  readonly head: number;
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
    /** Whether `predicate` is the matcher's own (then the matcher decides, and a group of followers can share it). */
    readonly byMatcher = false,
  ) {
    this.reader = { position: after, delivered: after, tooSlow };
  }

  /** The filter of this stream, as a key: streams with the same key pass the same events. */
  get filterKey(): string {
    return JSON.stringify(this.matcher);
  }

  /** Whether a live event is one this stream hands out. */
  passes(event: LoggedEvent): boolean {
    return this.predicate(event);
  }

  /** The hub this stream reads. */
  get source(): StreamSource {
    return this.hub;
  }

  /**
   * When the stream has handed out everything up to the hub's head (nothing pending), hands its
   * reader over to a follower that advances it as it delivers new events itself (see
   * FollowGroup); the hub still watches it, so one that falls out of the window is told. A later
   * `next()` goes on from wherever the follower left the reader. Null when not caught up.
   */
  follow(): LiveReader | null {
    if (this.closed || this.hub.isStopped || this.resumeAt !== null) return null;
    if (this.index < this.pending.length && !this.fromBuffer) return null;
    // Evicted while the consumer was busy: next() tells it.
    if (this.watched && !this.hub.isWatched(this.reader)) return null;
    if (!this.watched) {
      if (this.reader.position < this.hub.floorId) return null;
      this.watched = true;
      this.hub.watch(this.reader);
    }
    // Buffered events this stream would skip are skipped here; one it would hand out is handed out by next().
    for (;;) {
      while (this.index < this.pending.length) {
        const event = this.pending[this.index];
        if (this.predicate(event)) return null;
        this.reader.position = Number(event.id);
        this.index += 1;
      }
      if (this.reader.position >= this.hub.head) break;
      const buffered = this.hub.bufferedAfter(this.reader.position);
      if (buffered === null) return null;
      this.pending = buffered;
      this.index = 0;
      this.fromBuffer = true;
    }
    this.pending = [];
    this.index = 0;
    this.fromBuffer = true;
    this.reader.delivered = this.reader.position;
    return this.reader;
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
