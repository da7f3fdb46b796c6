import type { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { processLogger, type Logger } from '../shared/logger';
import { EVENT_CHANNEL } from './event-log';

/**
 * Tells the hub that the log may have grown. `onChange` is also called after every
 * (re)connection, so the hub catches up on whatever committed while nobody was listening.
 */
export interface NotificationSource {
  readonly connected: boolean;
  start(onChange: () => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * LISTEN on a dedicated PostgreSQL connection (not one of the pool's), reconnecting with
 * backoff when it drops: a database restart or a terminated backend loses notifications, never
 * events, because the hub re-reads the log after reconnecting.
 */
export interface ListenerBounds {
  /** Bound on opening the connection. */
  connectTimeoutMs: number;
  /**
   * A LISTEN connection only receives, so a frozen server or a partition without a reset would
   * look like a quiet log forever: every `pingIntervalMs` it runs `SELECT 1`, and a ping not
   * answered within `pingTimeoutMs` counts as a lost connection (0: no pings).
   */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  maxDelayMs?: number;
}

export class PgNotificationSource implements NotificationSource {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private ping: NodeJS.Timeout | null = null;
  private delay = 0;
  private readonly maxDelayMs: number;
  connected = false;

  constructor(
    private readonly databaseUrl: string,
    /** Shown in pg_stat_activity, so operators (and tests) can find the listener. */
    readonly applicationName: string,
    private readonly bounds: ListenerBounds = { connectTimeoutMs: 5_000, pingIntervalMs: 10_000, pingTimeoutMs: 5_000 },
    private readonly log: Logger = processLogger(),
  ) {
    this.maxDelayMs = bounds.maxDelayMs ?? 5_000;
  }

  async start(onChange: () => void): Promise<void> {
    await this.connect(onChange);
  }

  private async connect(onChange: () => void): Promise<void> {
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: this.applicationName,
      connectionTimeoutMillis: this.bounds.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // Every statement on it (LISTEN, the pings) is bounded client-side.
      query_timeout: this.bounds.pingTimeoutMs || undefined,
    });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.connected = false;
      this.stopPing();
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      if (error) this.log.error({ reason: error.message }, 'event listener connection lost; reconnecting');
      this.schedule(onChange);
    };
    this.client = client;
    client.on('notification', () => onChange());
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
      this.connected = true;
      this.delay = 0;
      this.startPing(client, lost);
      onChange();
    } catch (error) {
      lost(error as Error);
    }
  }

  private startPing(client: Client, lost: (error?: Error) => void): void {
    if (!this.bounds.pingIntervalMs) return;
    this.ping = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => {
        // Dropped (pg destroys the socket of a client ended with a statement still running);
        // the reconnect re-reads the log, so nothing committed meanwhile is missed.
        lost(new Error(`health check failed: ${error.message}`));
      });
    }, this.bounds.pingIntervalMs);
    this.ping.unref();
  }

  private stopPing(): void {
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
  }

  private schedule(onChange: () => void): void {
    if (this.retry || this.stopped) return;
    this.delay = Math.min(this.maxDelayMs, this.delay ? this.delay * 2 : 100);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect(onChange);
    }, this.delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopPing();
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await client.end().catch(() => undefined);
  }
}

/** The embedded database is one in-process session: its own LISTEN sees every commit. */
export class PgliteNotificationSource implements NotificationSource {
  private unlisten: (() => Promise<void>) | null = null;
  connected = false;

  constructor(private readonly pglite: PGlite) {}

  async start(onChange: () => void): Promise<void> {
    this.unlisten = await this.pglite.listen(EVENT_CHANNEL, () => onChange());
    this.connected = true;
    onChange();
  }

  async stop(): Promise<void> {
    this.connected = false;
    await this.unlisten?.().catch(() => undefined);
  }
}
