import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/shared/config';
import { postgresOptions } from '../../src/db/data-source';

/**
 * With DATABASE_URL (CI, or a developer's PostgreSQL) the suite migrates that database once
 * before the test files start in parallel. Without it every test file opens its own embedded
 * in-memory database, so nothing needs preparing here.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    console.log('\n[tests] DATABASE_URL is not set: each test file uses an embedded in-memory PGlite database.');
    return;
  }
  console.log(`\n[tests] using PostgreSQL at ${config.databaseUrl.replace(/\/\/[^@]*@/, '//***@')}`);
  const ds = new DataSource(postgresOptions({ ...config, databaseUrl: config.databaseUrl }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}
