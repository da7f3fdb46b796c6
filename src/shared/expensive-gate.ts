/**
 * Admission for expensive operations: at most `concurrency` run at once, at most `queueLength`
 * wait for a turn (first come, first served), none waits longer than `maxWaitMs`. Beyond that an
 * operation is refused at once, before it runs, so a flood of the heaviest allowed query costs
 * the server a bounded amount of memory and event-loop time, and cheap operations (which never
 * come here) keep their latency.
 */
export interface ExpensiveGateOptions {
  concurrency: number;
  queueLength: number;
  maxWaitMs: number;
}

export interface ExpensiveGateStats {
  running: number;
  queued: number;
  /** Operations refused since start (queue full or waited too long). */
  refused: number;
}

interface Waiter {
  grant(release: () => void): void;
  timer: NodeJS.Timeout;
}

export class ExpensiveGate {
  private running = 0;
  private refusedCount = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: ExpensiveGateOptions) {}

  get stats(): ExpensiveGateStats {
    return { running: this.running, queued: this.queue.length, refused: this.refusedCount };
  }

  /**
   * A turn to run: resolves with the function that gives it back (call it exactly once; later
   * calls do nothing), or with null when the operation is refused.
   */
  async acquire(): Promise<(() => void) | null> {
    if (this.running < this.options.concurrency) {
      this.running += 1;
      return this.releaser();
    }
    if (this.queue.length >= this.options.queueLength) {
      this.refusedCount += 1;
      return null;
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: (release) => {
          clearTimeout(waiter.timer);
          resolve(release);
        },
        timer: setTimeout(() => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          this.refusedCount += 1;
          resolve(null);
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The turn passes straight to the next in line: `running` stays as it is.
      if (next) next.grant(this.releaser());
      else this.running -= 1;
    };
  }
}
