import type { ApolloServerPlugin } from '@apollo/server';
import { wrapBatches } from '../shared/loaders';
import type { GraphQLFormattedError } from 'graphql';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/data-source';
import type { ReplicaSet, ReplicaStatus } from '../db/replicas';
import { deadlineScope, requestScope } from '../db/request-scope';
import type { EventHub } from '../events/event-hub';
import type { Config } from '../shared/config';
import { errorCodeLabel, knownDocuments, operationLabel, OTHER_OPERATION, type KnownDocuments } from './operation-labels';
import type { RateLimit } from './rate-limit';

/** Seconds, from a few ms (a cached read) to the request deadline's order of magnitude. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATEMENT_BUCKETS = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];
/** How long one reading of the event log's head serves scrapes. */
const LOG_HEAD_REUSE_MS = 1_000;

/** pg's Pool as far as its figures go. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** A pool's connections: held (idle and in use), idle, and requests waiting for one. */
interface PoolFigures {
  total: number;
  idle: number;
  waiting: number;
}

/** The pools of the database: TypeORM's postgres driver keeps the primary's as `master`; the read replicas' are the ReplicaSet's. */
function poolsOf(db: Database): () => Array<[string, PoolFigures]> {
  const driver = db.dataSource.driver as unknown as { master?: PgPool };
  return () => {
    const pools: Array<[string, PoolFigures]> = [];
    if (driver.master) pools.push(['primary', { total: driver.master.totalCount, idle: driver.master.idleCount, waiting: driver.master.waitingCount }]);
    for (const replica of db.replicas?.status() ?? []) {
      const { total, busy, waiting } = replica.connections;
      pools.push([replica.name, { total, idle: total - busy, waiting }]);
    }
    return pools;
  };
}

/** The default process metrics (CPU, memory, event loop, GC, handles): one set per process, however many servers it runs. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A WebSocket connection as graphql-ws keeps it: its subscriptions by id. */
export interface WsConnection {
  subscriptions: Record<string, unknown>;
}

type Observer = { observe(value: number): void };
/** The series one operation label writes per request. */
interface OperationSeries {
  duration: Record<'ok' | 'partial' | 'error', Observer>;
  statements: Observer;
  sqlSeconds: Observer;
}

/** What the server tells the metrics as it runs; every hook is cheap (per request, per batch, per connection). */
export class Metrics {
  readonly registry = new Registry();
  private readonly known: KnownDocuments;
  private readonly connections = new Set<WsConnection>();
  private readonly batchByLoader = new Map<string, { observe(size: number): void }>();
  /** The histogram children of each operation label (a bounded set), so a request does not hash label objects. */
  private readonly byOperation = new Map<string, OperationSeries>();

  readonly requestDuration = new Histogram({
    name: 'dvk_graphql_request_duration_seconds',
    help: 'GraphQL operations over HTTP, from Apollo receiving the request to the response being sent, by operation and outcome (ok, partial, error).',
    labelNames: ['operation', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'dvk_graphql_errors_total',
    help: 'GraphQL errors sent to clients, by extensions.code (unknown codes as OTHER) and transport (http, ws).',
    labelNames: ['code', 'transport'],
    registers: [this.registry],
  });
  readonly sqlStatements = new Histogram({
    name: 'dvk_sql_statements_per_request',
    help: 'SQL statements one GraphQL request over HTTP ran, by operation.',
    labelNames: ['operation'],
    buckets: STATEMENT_BUCKETS,
    registers: [this.registry],
  });
  readonly sqlSeconds = new Histogram({
    name: 'dvk_sql_seconds_per_request',
    help: 'Time the SQL statements of one GraphQL request over HTTP took, summed, by operation.',
    labelNames: ['operation'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'dvk_dataloader_batch_size',
    help: 'Keys per DataLoader batch (one SQL statement each), by loader.',
    labelNames: ['loader'],
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly tooSlow = new Counter({
    name: 'dvk_subscribers_too_slow_total',
    help: 'Subscriptions cut off because they fell behind the event buffer (SUBSCRIBER_TOO_SLOW, socket closed with 1013).',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'dvk_rate_limit_refusals_total',
    help: 'Requests (http) and subscribe messages (ws) refused with RATE_LIMITED.',
    labelNames: ['transport'],
    registers: [this.registry],
  });

  constructor(
    private readonly config: Config,
    known?: KnownDocuments,
  ) {
    this.known = known ?? knownDocuments(config.trustedDocumentsPath);
    for (const transport of ['http', 'ws']) this.rateLimited.inc({ transport }, 0);
    this.tooSlow.inc(0);
  }

  /** The operation label of a document (by Apollo's queryHash) and its resolved operation name. */
  operation(hash: string | undefined | null, name: string | undefined | null): string {
    return operationLabel(this.known, hash, name);
  }

  private seriesOf(operation: string): OperationSeries {
    let series = this.byOperation.get(operation);
    if (!series) {
      const duration = (outcome: string) => this.requestDuration.labels({ operation, outcome });
      series = {
        duration: { ok: duration('ok'), partial: duration('partial'), error: duration('error') },
        statements: this.sqlStatements.labels({ operation }),
        sqlSeconds: this.sqlSeconds.labels({ operation }),
      };
      this.byOperation.set(operation, series);
    }
    return series;
  }

  countErrors(errors: readonly GraphQLFormattedError[] | undefined, transport: 'http' | 'ws'): void {
    if (!errors) return;
    for (const error of errors) this.errors.inc({ code: errorCodeLabel(error.extensions?.code), transport });
  }

  /** Gauges read when scraped: the pools, the event log, WebSocket connections and subscriptions. */
  watch(db: Database, hub: EventHub, webSocketConnections: () => number): void {
    const pools = poolsOf(db);
    const gauge = (name: string, help: string, read: (pool: PoolFigures) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers: [this.registry],
        collect() {
          for (const [label, pool] of pools()) this.set({ pool: label }, read(pool));
        },
      });
    gauge('dvk_db_pool_connections', 'Connections the pool holds (idle and in use).', (p) => p.total);
    gauge('dvk_db_pool_idle', 'Idle connections in the pool.', (p) => p.idle);
    gauge('dvk_db_pool_waiting', 'Requests waiting for a pool connection.', (p) => p.waiting);
    if (db.replicas) this.watchReplicas(db.replicas);
    this.watchEvents(db, hub);
    const connections = this.connections;
    new Gauge({
      name: 'dvk_websocket_connections',
      help: 'Open WebSocket connections.',
      registers: [this.registry],
      collect() {
        this.set(webSocketConnections());
      },
    });
    new Gauge({
      name: 'dvk_subscriptions_active',
      help: 'Subscriptions running on the accepted WebSocket connections (replaying or live).',
      registers: [this.registry],
      collect() {
        let n = 0;
        for (const connection of connections) n += Object.keys(connection.subscriptions).length;
        this.set(n);
      },
    });
    new Gauge({
      name: 'dvk_subscriptions_live',
      help: 'Subscriptions following live events from the event hub (caught up with the log).',
      registers: [this.registry],
      collect() {
        this.set(hub.liveSubscriptions);
      },
    });
  }

  /** DATABASE_REPLICA_URLS: each replica's lag, whether it serves reads, and the reads it took or handed back to the primary. */
  private watchReplicas(replicas: ReplicaSet): void {
    const registers = [this.registry];
    const each = (name: string, help: string, read: (replica: ReplicaStatus) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['replica'],
        registers,
        collect() {
          for (const replica of replicas.status()) {
            const value = read(replica);
            if (value !== null) this.set({ replica: replica.name }, value);
          }
        },
      });
    each('dvk_replica_lag_seconds', 'How far the replica is behind the primary, in time (0: caught up).', (r) => (r.lagMs === null ? null : r.lagMs / 1000));
    each('dvk_replica_lag_bytes', 'WAL the primary has written and the replica not replayed yet.', (r) => r.lagBytes);
    each('dvk_replica_in_rotation', '1 while the replica serves reads; 0 while it is down, lagging or not a standby.', (r) => (r.inRotation ? 1 : 0));
    const seen = new Map<string, number>();
    new Counter({
      name: 'dvk_replica_reads_total',
      help: 'Connections taken from the replica for reads.',
      labelNames: ['replica'],
      registers,
      collect() {
        for (const replica of replicas.status()) {
          this.inc({ replica: replica.name }, replica.reads - (seen.get(replica.name) ?? 0));
          seen.set(replica.name, replica.reads);
        }
      },
    });
    let fallbacksSeen = 0;
    new Counter({
      name: 'dvk_replica_read_fallbacks_total',
      help: 'Reads meant for a replica that went to the primary because the replica could not be reached.',
      registers,
      collect() {
        this.inc(replicas.fallbacks - fallbacksSeen);
        fallbacksSeen = replicas.fallbacks;
      },
    });
  }

  /**
   * The log's head in the database against the hub's. The head is read with the readiness deadline,
   * at most once a second however often /metrics is asked for (scrapes at once share one read).
   */
  private watchEvents(db: Database, hub: EventHub): void {
    const timeoutMs = this.config.readyTimeoutMs;
    let last: { at: number; head: Promise<number> } | null = null;
    const logHead = (): Promise<number> => {
      if (last && performance.now() - last.at < LOG_HEAD_REUSE_MS) return last.head;
      const { scope, done } = deadlineScope(timeoutMs, null, 'metrics scrape');
      const head = requestScope
        .run(scope, () => db.dataSource.query('SELECT coalesce(max(id), 0)::text AS id FROM change_event'))
        .then(([row]: Array<{ id: string }>) => Number(row.id))
        .finally(done);
      last = { at: performance.now(), head };
      return head;
    };
    const hubHead = new Gauge({
      name: 'dvk_event_hub_head_id',
      help: 'Id of the newest change event the hub has read and handed to its live subscribers (across workers: the lowest).',
      registers: [this.registry],
      aggregator: 'min',
      collect() {
        this.set(hub.head);
      },
    });
    const lag = new Gauge({
      name: 'dvk_event_hub_lag_events',
      help: 'Change events committed to the log that the hub has not delivered yet (log head minus hub head; across workers: the highest).',
      registers: [this.registry],
      aggregator: 'max',
    });
    new Gauge({
      name: 'dvk_event_log_head_id',
      help: 'Id of the newest change event committed to the log (change_event), read when scraped; absent when the database does not answer.',
      registers: [this.registry],
      aggregator: 'max',
      async collect() {
        try {
          const head = await logHead();
          const seen = hub.head;
          this.set(head);
          hubHead.set(seen);
          lag.set(Math.max(0, head - seen));
        } catch {
          this.reset();
          lag.reset();
        }
      },
    });
  }

  /** The Apollo plugin: duration, outcome, error codes and SQL of each HTTP operation. */
  plugin(): ApolloServerPlugin {
    return {
      contextCreationDidFail: async ({ error }) => {
        // A refused token, before any operation: counted like the error the client gets.
        const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
        this.errors.inc({ code: errorCodeLabel(code), transport: 'http' });
      },
      requestDidStart: async () => {
        const started = performance.now();
        return {
          willSendResponse: async ({ response, queryHash, operationName }) => {
            const body = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
            const errors = body.errors;
            const outcome = !errors?.length ? 'ok' : body.data ? 'partial' : 'error';
            const series = this.seriesOf(this.operation(queryHash, operationName));
            series.duration[outcome].observe((performance.now() - started) / 1000);
            if (errors) this.countErrors(errors, 'http');
            const scope = requestScope.getStore();
            if (scope) {
              series.statements.observe(scope.statements);
              series.sqlSeconds.observe(scope.sqlMs / 1000);
            }
          },
        };
      },
    };
  }

  /** An error formatter that also counts what it formats (WebSocket: every error a subscriber gets). */
  countingFormat(format: (formatted: GraphQLFormattedError, raw: unknown) => GraphQLFormattedError) {
    return (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
      const shown = format(formatted, raw);
      this.countErrors([shown], 'ws');
      return shown;
    };
  }

  /** The rate limit, counting its refusals under `transport`. */
  countingRateLimit(limit: RateLimit | null, transport: 'http' | 'ws'): RateLimit | null {
    if (!limit) return null;
    const counter = this.rateLimited.labels({ transport });
    return {
      consume: async (key) => {
        const refusal = await limit.consume(key);
        if (refusal) {
          counter.inc();
          // Over HTTP the refusal is answered before Apollo; over WebSocket the formatter counts it.
          if (transport === 'http') this.errors.inc({ code: 'RATE_LIMITED', transport });
        }
        return refusal;
      },
      get shared() {
        return limit.shared;
      },
      stop: () => limit.stop(),
    };
  }

  /** Observes the size of every batch of `loaders` (wrapped once per request: no per-key or per-field cost). */
  observeLoaders<T extends object>(loaders: T): T {
    return wrapBatches(loaders, (name, batch) => {
      let child = this.batchByLoader.get(name);
      if (!child) this.batchByLoader.set(name, (child = this.batchSize.labels({ loader: name })));
      const sized = child;
      return (keys) => {
        sized.observe(keys.length);
        return batch(keys);
      };
    });
  }

  /** graphql-ws hooks: accepted connections (for the subscription gauge), and cut-offs. */
  connectionAccepted(connection: WsConnection): void {
    this.connections.add(connection);
  }

  connectionClosed(connection: WsConnection): void {
    this.connections.delete(connection);
  }

  /** This server's metrics and the process's, as Prometheus text. */
  async text(): Promise<string> {
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }

  /** The registries a cluster worker sends to the primary. */
  registries(): Registry[] {
    return [processMetrics(), this.registry];
  }
}

export { OTHER_OPERATION };
