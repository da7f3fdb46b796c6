import fs from 'node:fs';
import path from 'node:path';
import { buildFederatedSchema } from '../../src/app/schema';
import { SCHEMA_HEADER } from '../../scripts/print-schema';
import { useTestServer } from '../helpers/seed';
import { EMPTY_EMBEDDED_DATABASE } from '../helpers/server';

describe('checked-in artefacts agree with the code', () => {
  it('schema/schema.graphql and schema/subgraph.graphql match what the code builds (run `npm run schema`)', async () => {
    const built = await buildFederatedSchema();
    const dir = path.resolve(__dirname, '..', '..', 'schema');
    expect(fs.readFileSync(path.join(dir, 'schema.graphql'), 'utf8')).toBe(`${SCHEMA_HEADER}${built.apiSdl}\n`);
    expect(fs.readFileSync(path.join(dir, 'subgraph.graphql'), 'utf8')).toBe(`${SCHEMA_HEADER}${built.subgraphSdl}\n`);
  });

  describe('on a migrated database', () => {
    // Migrated (and seeded) by the server's own start-up, not started from the suite's snapshot;
    // in its group, the server demo-data.part.ts reads too.
    const t = useTestServer(EMPTY_EMBEDDED_DATABASE);

    it('the migrations and the entities agree: nothing is left for migration:generate', async () => {
      const pending = await t.server.db.dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    });

    it('all migrations have run', async () => {
      expect(await t.server.db.dataSource.showMigrations()).toBe(false);
    });
  });
});
