import 'reflect-metadata';
import { ConfigError, loadConfig } from '../shared/config';
import { openDatabase } from '../db/data-source';
import { loggerFor, processLogger } from '../shared/logger';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL or the embedded database. */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    loggerFor(config).info(
      { applied: applied.map((m) => m.name) },
      applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}` : 'No pending migrations.',
    );
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  // A configuration error is one plain line on stderr: the logger's own settings may be what is wrong.
  if (error instanceof ConfigError) process.stderr.write(`Configuration error: ${error.message}\n`);
  else processLogger().fatal({ err: error }, 'migration failed');
  process.exit(1);
});
