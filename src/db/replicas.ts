import { Pool, type PoolClient, type PoolConfig } from 'pg';

/** How a replica set is run (README, Configuration: DATABASE_REPLICA_URLS and REPLICA_*). */
export interface ReplicaSettings {
  urls: readonly string[];
  /** A replica further behind the primary than this is out of rotation. */
  maxLagMs: number;
  /** Interval of the health check. */
  checkIntervalMs: number;
  /** Bound on one check of one replica (and of the primary's WAL position). */
  checkTimeoutMs: number;
}

/**
 * - `healthy`: in rotation.
 * - `lagging`: answers, but replays the primary's WAL more than REPLICA_MAX_LAG_MS late.
 * - `down`: did not answer the check (or a request could not connect to it).
 * - `not_standby`: answers but is not in recovery (a promoted former standby, or a wrong URL):
 *   its data may have left the primary's, so it gets no reads.
 * - `unknown`: not checked yet.
 */
export type ReplicaState = 'healthy' | 'lagging' | 'down' | 'not_standby' | 'unknown';

/** One replica as /readyz and the metrics show it. */
export interface ReplicaStatus {
  /** host:port/database of its URL (never the user or password); unique within the set. */
  name: string;
  state: ReplicaState;
  inRotation: boolean;
  /** How long ago the primary wrote the oldest WAL the replica has not replayed (0: caught up); null: unknown. */
  lagMs: number | null;
  /** Bytes of WAL the primary has written and the replica not replayed yet; null: unknown. */
  lagBytes: number | null;
  /** Its WAL replay is paused (pg_wal_replay_pause()). */
  replayPaused: boolean | null;
  /** ISO time of its last check; null before the first. */
  checkedAt: string | null;
  /** Why it is down or out of rotation. */
  reason: string | null;
  /** Pool connections it has open now, and in use. */
  connections: { total: number; busy: number; waiting: number };
  /** Connections taken from it for reads since start. */
  reads: number;
}

type Release = (error?: Error) => void;

/** `X/Y` (hex halves) as a number of bytes; exact up to 2^53 (8 PiB of WAL). */
export function lsnToBytes(lsn: string): number {
  const [high, low] = lsn.split('/');
  return parseInt(high, 16) * 2 ** 32 + parseInt(low, 16);
}

/** host:port/database of a connection string, for status and messages: never the credentials. */
export function replicaName(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Rejects with a timeout unless `work` settles within `ms`. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const CHECK_SQL = `SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS replay,
  CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS paused,
  (EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS "replayAgeMs"`;

interface CheckRow {
  recovery: boolean;
  replay: string | null;
  paused: boolean | null;
  replayAgeMs: number | null;
}

/** Positions of the primary's WAL as the checks saw them: when each was first seen. */
export class PrimaryHistory {
  private readonly samples: Array<{ at: number; lsn: number }> = [];
  constructor(private readonly maxSamples: number) {}

  add(at: number, lsn: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && lsn <= last.lsn) return; // an idle primary: the first time a position was seen is what counts
    this.samples.push({ at, lsn });
    if (this.samples.length > this.maxSamples) this.samples.shift();
  }

  get latest(): number | null {
    return this.samples[this.samples.length - 1]?.lsn ?? null;
  }

  /**
   * How long ago the primary had written past `replayed`: the time the first position beyond it
   * was seen (a lower bound, within one check interval). Null when the history does not reach
   * back that far (the first checks, or a replica further behind than the history).
   */
  behindSince(replayed: number): number | null {
    if (this.samples.length === 0 || this.samples[0].lsn > replayed) return null;
    for (const sample of this.samples) if (sample.lsn > replayed) return sample.at;
    return null; // caught up with everything seen
  }
}

class Replica {
  readonly pool: Pool;
  readonly name: string;
  status: Omit<ReplicaStatus, 'name' | 'connections' | 'reads'> = {
    state: 'unknown',
    inRotation: false,
    lagMs: null,
    lagBytes: null,
    replayPaused: null,
    checkedAt: null,
    reason: 'not checked yet',
  };
  reads = 0;
  checking = false;

  constructor(url: string, poolConfig: PoolConfig, name: string) {
    this.name = name;
    this.pool = new Pool({ ...poolConfig, connectionString: url, application_name: 'dvk-read-replica' });
    // An idle connection the server closes (the replica restarted) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  get busy(): number {
    return this.pool.totalCount - this.pool.idleCount + this.pool.waitingCount;
  }

  down(reason: string): void {
    this.status = { ...this.status, state: 'down', inRotation: false, reason, checkedAt: new Date().toISOString() };
  }
}

/**
 * The read replicas (DATABASE_REPLICA_URLS): a pool per replica with the serving pool's bounds
 * (statement_timeout, query_timeout, connect timeout; the request guard adds the request's
 * deadline and share of the pool), a background health check that measures each replica's lag,
 * and the choice of a replica for a read: the least busy one in rotation (round robin among
 * equals), or none, and then the primary answers.
 *
 * Lag is measured against the primary's WAL position, not the replay timestamp: the check reads
 * `pg_current_wal_lsn()` on the primary and `pg_last_wal_replay_lsn()` on each replica; a replica
 * that has replayed everything the primary wrote has lag 0, however long the primary has been
 * idle (`now() - pg_last_xact_replay_timestamp()` grows without bound on an idle primary). One
 * that has not is as late as the time since the primary was first seen past its position; before
 * the checks' history reaches back that far, the age of its last replayed transaction stands in
 * (an upper bound).
 */
export class ReplicaSet {
  private readonly replicas: Replica[];
  private readonly history: PrimaryHistory;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private next = 0;
  /** Reads that wanted a replica and found none in rotation (the primary answered). */
  fallbacks = 0;
  /** The pg clients of the replicas' pools (pg reuses them), to tell a replica's connection from the primary's. */
  private readonly clients = new WeakSet<object>();

  constructor(
    private readonly settings: ReplicaSettings,
    poolConfig: PoolConfig,
    /** The primary's current WAL position (`pg_current_wal_lsn()`), bounded by the caller. */
    private readonly primaryLsn: () => Promise<string>,
  ) {
    const names = new Map<string, number>();
    this.replicas = settings.urls.map((url) => {
      const base = replicaName(url);
      const seen = names.get(base) ?? 0;
      names.set(base, seen + 1);
      return new Replica(url, poolConfig, seen === 0 ? base : `${base}#${seen + 1}`);
    });
    // Enough history for a replica REPLICA_MAX_LAG_MS behind, and a margin.
    this.history = new PrimaryHistory(Math.max(16, Math.ceil((settings.maxLagMs * 4) / settings.checkIntervalMs) + 2));
  }

  /** Runs the first check (bounded), then one every REPLICA_CHECK_INTERVAL_MS. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.settings.checkIntervalMs);
    this.timer.unref();
  }

  /** One round of the health check; a round still running is joined, never doubled. */
  check(): Promise<void> {
    this.round ??= this.checkAll().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async checkAll(): Promise<void> {
    const { checkTimeoutMs } = this.settings;
    try {
      this.history.add(Date.now(), lsnToBytes(await within(this.primaryLsn(), checkTimeoutMs, 'the primary')));
    } catch {
      // The primary is out of reach: the replicas are judged against what was last seen of it.
    }
    await Promise.all(this.replicas.map((replica) => this.checkOne(replica)));
  }

  private async checkOne(replica: Replica): Promise<void> {
    if (replica.checking) return; // a replica that hangs holds one check (bounded by the pool's timeouts), not one per interval
    replica.checking = true;
    const query = replica.pool.query<CheckRow>(CHECK_SQL);
    query.then(
      () => (replica.checking = false),
      () => (replica.checking = false),
    );
    try {
      const result = await within(query, this.settings.checkTimeoutMs, replica.name);
      this.judge(replica, result.rows[0]);
    } catch (error) {
      replica.down((error as Error).message || 'the check failed');
    }
  }

  private judge(replica: Replica, row: CheckRow): void {
    const checkedAt = new Date().toISOString();
    if (!row.recovery || row.replay === null) {
      replica.status = {
        ...replica.status,
        state: 'not_standby',
        inRotation: false,
        lagMs: null,
        lagBytes: null,
        replayPaused: null,
        checkedAt,
        reason: 'not in recovery (pg_is_in_recovery() is false)',
      };
      return;
    }
    const replayed = lsnToBytes(row.replay);
    const latest = this.history.latest;
    const lagBytes = latest === null ? null : Math.max(0, latest - replayed);
    let lagMs: number | null;
    if (lagBytes === null) lagMs = null;
    else if (lagBytes === 0) lagMs = 0;
    else {
      const since = this.history.behindSince(replayed);
      lagMs = since !== null ? Math.max(0, Date.now() - since) : row.replayAgeMs === null ? null : Math.max(0, Math.round(row.replayAgeMs));
    }
    const lagging = lagMs === null || lagMs > this.settings.maxLagMs;
    replica.status = {
      state: lagging ? 'lagging' : 'healthy',
      inRotation: !lagging,
      lagMs,
      lagBytes,
      replayPaused: row.paused,
      checkedAt,
      reason: lagging
        ? lagMs === null
          ? 'lag unknown (the primary did not answer)'
          : `lag ${lagMs} ms is over REPLICA_MAX_LAG_MS (${this.settings.maxLagMs})`
        : null,
    };
  }

  /** The replica a read should use now: the least busy in rotation, round robin among equals; null: none. */
  private pick(): Replica | null {
    let best: Replica | null = null;
    const count = this.replicas.length;
    for (let i = 0; i < count; i += 1) {
      const replica = this.replicas[(this.next + i) % count];
      if (replica.status.inRotation && (best === null || replica.busy < best.busy)) best = replica;
    }
    this.next = (this.next + 1) % count;
    return best;
  }

  /**
   * A connection of a replica in rotation, or null (none is, or the one chosen could not be
   * reached: it is taken out until a check finds it healthy again); the caller then uses the primary.
   */
  async connect(): Promise<[PoolClient, Release] | null> {
    const replica = this.pick();
    if (!replica) {
      this.fallbacks += 1;
      return null;
    }
    let client: PoolClient;
    try {
      client = await replica.pool.connect();
    } catch (error) {
      replica.down(`connecting failed: ${(error as Error).message}`);
      this.fallbacks += 1;
      return null;
    }
    replica.reads += 1;
    this.clients.add(client);
    return [client, (error?: Error) => client.release(error)];
  }

  /** Whether `client` is a connection of one of the replicas. */
  owns(client: object): boolean {
    return this.clients.has(client);
  }

  /** Each replica's state, lag and pool, for /readyz and the metrics (`replica_lag_seconds` and friends). */
  status(): ReplicaStatus[] {
    return this.replicas.map((replica) => ({
      name: replica.name,
      ...replica.status,
      connections: { total: replica.pool.totalCount, busy: replica.pool.totalCount - replica.pool.idleCount, waiting: replica.pool.waitingCount },
      reads: replica.reads,
    }));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round?.catch(() => undefined);
    // A frozen replica's connection would hold pool.end() until its query timeout: a shutdown waits a moment, not that long.
    const ended = Promise.all(this.replicas.map((replica) => replica.pool.end().catch(() => undefined)));
    await within(ended, Math.max(1_000, this.settings.checkTimeoutMs), 'closing the replica pools').catch(() => undefined);
  }
}
