import type { LoggedEvent } from './change.types';
import type { LiveReader, StreamSource } from './log-stream';

/** Events of a batch prepared at once, at most (the one being handed out and those after it). */
const PREPARE_AHEAD = 4;

/** A stream handed over to a group (LogStream.follow): the group advances its reader. */
export interface Follower {
  readonly reader: LiveReader;
}

/** What a group does with the events its followers are to receive. */
export interface GroupDelivery<F extends Follower, Prepared> {
  /** Whether followers of this group receive the event (one decision for all of them). */
  passes(event: LoggedEvent): boolean;
  /** The work shared by every follower for one event (one execution, one serialisation). Started in log order, awaited in log order. */
  prepare(event: LoggedEvent): Promise<Prepared>;
  /** Hands the prepared event to one follower at once; false when it cannot take it now (it is released before it, and the event is not delivered). */
  deliver(follower: F, prepared: Prepared, eventId: number): boolean;
  /** The follower left the group: its stream goes on from its reader's position (by pulling), or fails with `error`. */
  released(follower: F, error?: unknown): void;
}

/**
 * Live streams with the same filter and the same shape of message, caught up with the hub, served
 * by one loop: each new event is filtered once, prepared once and handed to every follower in one
 * synchronous pass, instead of each stream waking, filtering and executing on its own chain of
 * promises. Every follower gets the events after its own position, in log order; one that cannot
 * keep up (a full socket), falls out of the hub's window, or is stopped leaves the group and goes
 * on by itself from where it was, so nothing is lost, repeated or reordered, and no follower waits
 * for another.
 */
export class FollowGroup<F extends Follower, Prepared> {
  private readonly followers = new Set<F>();
  /** The last event the loop has dealt with; a follower joins at or after it (at the hub's head). */
  private position: number;
  private running = false;

  constructor(
    private readonly source: StreamSource,
    private readonly delivery: GroupDelivery<F, Prepared>,
    /** Called when the last follower has left and the loop has ended. */
    private readonly ended: () => void,
  ) {
    this.position = source.head;
  }

  get size(): number {
    return this.followers.size;
  }

  /** A follower whose reader is at or after the hub's head (LogStream.follow). */
  add(follower: F): void {
    this.followers.add(follower);
    if (!this.running) void this.run();
  }

  /** Takes a follower out without telling it (it stopped). */
  remove(follower: F): void {
    this.followers.delete(follower);
  }

  private release(follower: F, error?: unknown): void {
    if (this.followers.delete(follower)) this.delivery.released(follower, error);
  }

  private releaseAll(error?: unknown): void {
    for (const follower of [...this.followers]) this.release(follower, error);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.followers.size > 0) {
        if (this.source.isStopped) {
          this.releaseAll();
          break;
        }
        const events = this.source.bufferedAfter(this.position);
        if (events === null) {
          // The loop fell out of the window (a slow execution): each goes on by itself (from the
          // table, or told it is too slow).
          this.releaseAll();
          break;
        }
        if (events.length === 0) {
          await this.source.whenChanged();
          continue;
        }
        await this.dispatch(events);
      }
    } catch (error) {
      this.releaseAll(error);
    } finally {
      this.running = false;
      if (this.followers.size === 0) this.ended();
      else void this.run();
    }
  }

  private async dispatch(events: LoggedEvent[]): Promise<void> {
    // A few executions ahead of the one awaited (their loads overlap), never a whole batch at once:
    // a batch after a stall can hold hundreds of events, and each execution takes a connection.
    const prepared: Array<Promise<Prepared> | null | undefined> = new Array(events.length);
    const start = (j: number) => {
      if (j >= events.length || prepared[j] !== undefined) return;
      const p = this.delivery.passes(events[j]) ? this.delivery.prepare(events[j]) : null;
      p?.catch(() => undefined);
      prepared[j] = p;
    };
    for (let i = 0; i < events.length; i += 1) {
      for (let j = i; j < i + PREPARE_AHEAD; j += 1) start(j);
      const id = Number(events[i].id);
      const pending = prepared[i];
      if (pending) {
        let value: Prepared;
        try {
          value = await pending;
        } catch (error) {
          this.releaseAll(error);
          return;
        }
        for (const follower of this.followers) {
          const reader = follower.reader;
          if (reader.position >= id) continue;
          if (reader.position < this.source.floorId || !this.delivery.deliver(follower, value, id)) {
            this.release(follower);
            continue;
          }
          reader.position = reader.delivered = id;
        }
      } else {
        for (const follower of this.followers) if (follower.reader.position < id) follower.reader.position = follower.reader.delivered = id;
      }
      this.position = id;
      if (this.followers.size === 0) return;
    }
  }
}
