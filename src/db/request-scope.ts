import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';
import type { ReplicaSet } from './replicas';
import { TimeoutError } from '../shared/errors';

/**
 * A request's deadline: `aborted` (with `reason`, a TimeoutError) once it passes. It stands where an
 * AbortSignal would, for the few listeners this module needs, because Node 20 makes each
 * AbortController's signal with Object.setPrototypeOf and then adds properties to it: V8 gives
 * such an object a map (hidden class) of its own, in the old generation, and keeps what the
 * request made through the young-generation collections after it (`node dist/bench/maps.js`).
 */
export class Deadline {
  aborted = false;
  reason: unknown = undefined;
  private listeners: Set<() => void> | null = null;

  /** Calls `listener` once when the deadline passes; the returned function stops listening. */
  onAbort(listener: () => void): () => void {
    (this.listeners ??= new Set()).add(listener);
    return () => this.listeners?.delete(listener);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = null;
    for (const listener of listeners ?? []) listener();
  }
}

/** A counting semaphore whose waiters can give up when a deadline passes. First come, first served. */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  acquire(signal?: Deadline | null): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      // `granted` can run only once it is queued, below: `stop` is set by then.
      const granted = () => {
        stop?.();
        resolve();
      };
      const stop = signal?.onAbort(() => {
        const at = this.waiters.indexOf(granted);
        if (at !== -1) this.waiters.splice(at, 1);
        reject(signal.reason);
      });
      this.waiters.push(granted);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * What the database layer knows of the request it works for, carried by AsyncLocalStorage across
 * awaits and DataLoader ticks: the SQL statement counter (SQL_STATS), the request's share of the
 * pool, and its deadline.
 */
export interface RequestScope {
  statements: number;
  /** Milliseconds the request's statements took, summed (statements running at once each count in full). */
  sqlMs: number;
  /** The request's id (X-Request-Id), for its log line and its errors; null outside a logged request. */
  requestId?: string | null;
  /** What the GraphQL layer made of the request, for its log line: set as the response goes out. */
  graphql?: { operationName: string | null; outcome: 'ok' | 'partial' | 'error'; codes: string[] };
  /** Pool connections this request may hold at once (DB_MAX_CONCURRENT_PER_REQUEST); null: no limit. */
  slots: Semaphore | null;
  /** Aborted (with a TimeoutError as reason) when the request's deadline passes; null: none. */
  signal: Deadline | null;
  /**
   * Where its connections come from (DATABASE_REPLICA_URLS): `replica` for a query operation
   * outside its caller's read-your-writes window (set once the operation is known), else the
   * primary. A replica in rotation answers, or the primary when none is.
   */
  route: 'primary' | 'replica';
  /** With SQL_STATS: the server process id of each connection the request used, and whether it was a replica's. */
  backends?: Map<number, boolean>;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

/** A scope whose signal aborts with a TimeoutError after `timeoutMs` (0: never). Call `done` when finished. */
export function deadlineScope(timeoutMs: number, slots: Semaphore | null, what = 'request'): { scope: RequestScope; done(): void } {
  if (timeoutMs <= 0) return { scope: { statements: 0, sqlMs: 0, slots, signal: null, route: 'primary' }, done: () => undefined };
  const deadline = new Deadline();
  const timer = setTimeout(() => {
    deadline.abort(
      new TimeoutError(
        `The ${what} did not finish within ${timeoutMs} ms and was stopped; nothing that had not committed was changed. Retry later or ask for less.`,
        { timeoutMs },
      ),
    );
  }, timeoutMs);
  timer.unref();
  return { scope: { statements: 0, sqlMs: 0, slots, signal: deadline, route: 'primary' }, done: () => clearTimeout(timer) };
}

/** pg's client as far as the guard needs it. */
interface PgClient {
  query(...args: unknown[]): unknown;
  processID?: number | null;
  [GUARDED]?: true;
  [SIGNAL]?: Deadline | null;
  [BROKEN]?: boolean;
  [TIMED]?: RequestScope | null;
}
type Release = (error?: Error) => void;
interface Driver {
  obtainMasterConnection(): Promise<[PgClient, Release]>;
}

const GUARDED = Symbol('guarded');
/** The signal of the request holding the connection now. */
const SIGNAL = Symbol('signal');
/** The connection was abandoned mid-statement (or touched after its request's deadline): the pool must drop it. */
const BROKEN = Symbol('broken');
/** The scope of the request holding the connection now: its statements' time is added to its sqlMs. */
const TIMED = Symbol('timed');

/** pg's client-side query_timeout: the statement is still on the wire, so the connection is not reusable. */
const READ_TIMEOUT = 'Query read timeout';

function guardClient(client: PgClient, abandon: boolean): void {
  if (client[GUARDED]) return;
  client[GUARDED] = true;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = (...args: unknown[]) => {
    // TypeORM always uses the promise form; anything else (pg's own internals) passes through.
    if (typeof args[args.length - 1] === 'function' || (args[0] && typeof (args[0] as { submit?: unknown }).submit === 'function')) return query(...args);
    const signal = client[SIGNAL];
    if (signal?.aborted) {
      if (abandon) {
        // Not even a ROLLBACK goes out on the wire of a request past its deadline (the database
        // may be frozen): the connection is dropped instead, which rolls back what it had open.
        client[BROKEN] = true;
        return Promise.reject(signal.reason);
      }
      // In-process (PGlite): one session outlives its connections, so the rollback must run.
      if (!/^\s*ROLLBACK/i.test(String(args[0]))) return Promise.reject(signal.reason);
    }
    const timed = client[TIMED];
    const started = timed ? performance.now() : 0;
    const running = (query(...args) as Promise<unknown>).then(
      (value) => {
        if (timed) timed.sqlMs += performance.now() - started;
        return value;
      },
      (error: Error) => {
        if (timed) timed.sqlMs += performance.now() - started;
        if (error?.message === READ_TIMEOUT) client[BROKEN] = true;
        throw error;
      },
    );
    if (!signal || !abandon) return running;
    return new Promise((resolve, reject) => {
      const stop = signal.onAbort(() => {
        client[BROKEN] = true;
        reject(signal.reason);
      });
      running.then(
        (value) => {
          stop();
          resolve(value);
        },
        (error) => {
          stop();
          reject(error);
        },
      );
    });
  };
}

/** `promise`, unless `signal` aborts first; then whatever it later yields goes to `discard`. */
function raced<T>(promise: Promise<T>, signal: Deadline, discard: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const stop = signal.onAbort(() => {
      settled = true;
      reject(signal.reason);
    });
    promise.then(
      (value) => {
        stop();
        if (settled) discard(value);
        else resolve(value);
      },
      (error) => {
        stop();
        if (!settled) reject(error);
      },
    );
  });
}

/**
 * The one place every statement's connection passes through: TypeORM's driver obtains a pool
 * connection for each query runner (a `DataSource.query`, a repository call, a whole transaction).
 * Within a request it
 * - waits for one of the request's slots first, so one request never holds more than its share
 *   of the pool (the slot is given back with the connection);
 * - gives up waiting (for a slot, for the pool) and abandons a running statement when the
 *   request's deadline passes; an abandoned connection is destroyed, never reused, so the
 *   database rolls back whatever transaction it had open.
 * Everywhere, a connection whose statement hit pg's client-side query_timeout is destroyed too.
 * `abandon: false` (the embedded database, one in-process session that cannot freeze) keeps the
 * waiting bounded but lets a running statement and the rollback finish.
 */
export function guardConnections(dataSource: DataSource, { abandon, replicas = null }: { abandon: boolean; replicas?: ReplicaSet | null }): void {
  const driver = dataSource.driver as unknown as Driver;
  const primary = driver.obtainMasterConnection.bind(driver);
  // A read routed to the replicas: one in rotation, else (none is, or it cannot be reached) the primary.
  const replica = async (): Promise<[PgClient, Release]> => (replicas ? ((await replicas.connect()) ?? primary()) : primary());
  driver.obtainMasterConnection = async () => {
    const scope = requestScope.getStore();
    const slots = scope?.slots ?? null;
    const signal = scope?.signal ?? null;
    if (signal?.aborted) throw signal.reason;
    if (slots) await slots.acquire(signal);
    const obtain = scope?.route === 'replica' ? replica : primary;
    let client: PgClient;
    let release: Release;
    try {
      [client, release] = signal ? await raced(obtain(), signal, ([, late]) => late()) : await obtain();
    } catch (error) {
      slots?.release();
      throw error;
    }
    if (scope?.backends && typeof client.processID === 'number') scope.backends.set(client.processID, replicas?.owns(client) === true);
    guardClient(client, abandon);
    client[SIGNAL] = signal;
    client[TIMED] = scope ?? null;
    client[BROKEN] = false;
    let released = false;
    return [
      client,
      (error?: Error) => {
        if (released) return;
        released = true;
        client[SIGNAL] = null;
        client[TIMED] = null;
        slots?.release();
        release(error ?? (client[BROKEN] ? new Error('connection abandoned after a timeout') : undefined));
      },
    ];
  };
}
