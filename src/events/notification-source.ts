import type { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
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
export class PgNotificationSource implements NotificationSource {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private delay = 0;
  connected = false;

  constructor(
    private readonly databaseUrl: string,
    /** Shown in pg_stat_activity, so operators (and tests) can find the listener. */
    readonly applicationName: string,
    private readonly maxDelayMs = 5_000,
  ) {}

  async start(onChange: () => void): Promise<void> {
    await this.connect(onChange);
  }

  private async connect(onChange: () => void): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: this.applicationName, connectionTimeoutMillis: 5_000 });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.connected = false;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      if (error) console.error(`[events] listening connection lost (${error.message}); reconnecting`);
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
      onChange();
    } catch (error) {
      lost(error as Error);
    }
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
