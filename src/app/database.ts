import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../db/data-source';
import { seedDemoData } from '../db/demo-seed';
import { EventHub } from '../events/event-hub';
import { PgliteNotificationSource, PgNotificationSource, type NotificationSource } from '../events/notification-source';
import type { Config } from '../shared/config';
import { loggerFor } from '../shared/logger';

/** Applies pending migrations and loads the demo data, as configured (both idempotent). */
export async function prepareDatabase(db: Database, config: Pick<Config, 'runMigrations' | 'seedDemo'>): Promise<void> {
  if (config.runMigrations) await db.dataSource.runMigrations({ transaction: 'each' });
  if (config.seedDemo) await seedDemoData(db.dataSource);
}

/** The serving pool, migrated and seeded as configured; closed again if that fails. */
export async function openServingDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl && config.runMigrations) {
    // Migrations may rebuild large tables: they run on a pool of their own, without the serving
    // pool's statement timeouts.
    const unbounded = await openDatabase({ ...config, dbPoolSize: 1 });
    try {
      await prepareDatabase(unbounded, { runMigrations: true, seedDemo: false });
    } finally {
      await unbounded.close();
    }
  }
  const db = await openDatabase(config, config);
  try {
    await prepareDatabase(db, { runMigrations: config.runMigrations && !config.databaseUrl, seedDemo: config.seedDemo });
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The event hub, listening for new events (LISTEN on PostgreSQL, PGlite's own on the embedded database). */
export async function startHub(db: Database, config: Config): Promise<{ hub: EventHub; listenerName: string | null }> {
  const listenerName = db.pglite ? null : `dvk-events-${randomUUID().slice(0, 8)}`;
  const source: NotificationSource = db.pglite
    ? new PgliteNotificationSource(db.pglite)
    : new PgNotificationSource(
        config.databaseUrl as string,
        listenerName as string,
        {
          connectTimeoutMs: config.dbConnectTimeoutMs,
          pingIntervalMs: config.dbListenPingMs,
          pingTimeoutMs: Math.max(1_000, Math.min(config.dbListenPingMs, config.dbConnectTimeoutMs)),
        },
        loggerFor(config),
      );
  const hub = new EventHub(db.dataSource, source, config.eventBufferSize, config.eventBufferBytes, loggerFor(config));
  try {
    await hub.start();
  } catch (error) {
    await hub.stop();
    throw error;
  }
  return { hub, listenerName };
}
