import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/shared/config';
import { postgresOptions } from './src/db/data-source';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:generate`, `typeorm migration:show`),
 * built from the same options as the app's. The CLI needs a real PostgreSQL: set DATABASE_URL.
 * (`npm run migration:run` uses src/app/migrate.ts, which also works on the embedded database.)
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('The TypeORM CLI needs DATABASE_URL=postgres://... (the embedded database is opened by the app itself).');
}
export const AppDataSource = new DataSource(postgresOptions({ ...config, databaseUrl: config.databaseUrl }));
