import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appendEvents } from '../../src/events/event-log';
import { Role } from '../../src/shared/actor';
import { inTransaction } from '../../src/shared/transaction';
import { normaliseText } from '../../src/shared/text';
import { summaryAggregates } from '../../src/summaries/summary-aggregates';
import { EMPTY_EMBEDDED_DATABASE, startTestServer, uniqueName, type TestConfig, type TestServer } from './server';

/** One-line builders for test data over the real API (Hive console's initSeed idea). */
export function seeder(server: TestServer) {
  return {
    async organisation(input: { name?: string; kind?: string; parentId?: string | null } = {}) {
      const data = await server.ok(`mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id name version } }`, {
        input: { name: input.name ?? uniqueName('Tổ chức'), kind: input.kind ?? 'OTHER', parentId: input.parentId ?? null },
      });
      return data.createOrganisation as { id: string; name: string; version: number };
    },
    async model(input: {
      leadOrganisationId: string;
      name?: string;
      description?: string;
      domain?: string;
      status?: string;
      partnerOrganisationIds?: string[];
      recognisedPeriod?: string;
      startedOn?: string;
    }) {
      const data = await server.ok(`mutation($input: CreateModelInput!) { createModel(input: $input) { id name domain status version } }`, {
        input: { name: uniqueName('Mô hình'), domain: 'ECONOMY', ...input },
      });
      return data.createModel as { id: string; name: string; domain: string; status: string; version: number };
    },
    async replicate(sourceModelId: string, targetOrganisationId: string, replicatedOn?: string) {
      const data = await server.ok(`mutation($input: ReplicateModelInput!) { replicateModel(input: $input) { id target { id name } } }`, {
        input: { sourceModelId, targetOrganisationId, replicatedOn },
      });
      return data.replicateModel as { id: string; target: { id: string; name: string } };
    },
  };
}

export type Seeder = ReturnType<typeof seeder>;

/**
 * Many rows at once, for a test that reads them and is not about the mutations that write them:
 * `organisations` OTHER organisations under `parentId`, each leading `modelsEach` ECONOMY models,
 * each replicated (as replicateModel does: a copy led by the next organisation, in the parent's
 * locality) to the next organisation round the list. Written with SQL in one transaction, the way
 * the demo seed loads its data: replica counts set and the summary aggregates contributed through
 * summaryAggregates, as the services keep them. Writes no change events. Returns the ids created.
 */
export async function insertReplicatedModels(
  db: DataSource,
  { parentId, organisations, modelsEach }: { parentId: string; organisations: number; modelsEach: number },
): Promise<{ organisationIds: string[]; modelIds: string[]; replicaIds: string[] }> {
  return db.transaction(async (m) => {
    const [parent] = await m.query(`SELECT path, kind FROM organisation WHERE id = $1`, [parentId]);
    if (!parent) throw new Error(`no organisation ${parentId}`);
    if (!['CITY', 'WARD', 'COMMUNE'].includes(parent.kind)) throw new Error('the parent must be a locality (CITY, WARD or COMMUNE): replicas run there');
    const orgs = Array.from({ length: organisations }, () => ({ id: randomUUID(), name: uniqueName('Tổ chức') }));
    await m.query(
      `INSERT INTO organisation (id, name, kind, parent_id, path, search_name)
       SELECT id, name, 'OTHER', $3, $4 || id || '/', search FROM unnest($1::uuid[], $2::text[], $5::text[]) AS x(id, name, search)`,
      [orgs.map((o) => o.id), orgs.map((o) => o.name), parentId, parent.path, orgs.map((o) => normaliseText(o.name))],
    );
    const models: Array<{ id: string; name: string; lead: string; locality: string | null }> = [];
    const replicas: typeof models = [];
    orgs.forEach((org, i) => {
      for (let j = 0; j < modelsEach; j += 1) {
        const model = { id: randomUUID(), name: uniqueName('Mô hình'), lead: org.id, locality: null };
        models.push(model);
        replicas.push({ id: randomUUID(), name: model.name, lead: orgs[(i + 1) % orgs.length].id, locality: parentId });
      }
    });
    const all = [...models, ...replicas];
    await m.query(
      `INSERT INTO model (id, name, domain, status, locality_id, search_name)
       SELECT id, name, 'ECONOMY', 'ACTIVE', locality, search FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS x(id, name, locality, search)`,
      [all.map((x) => x.id), all.map((x) => x.name), all.map((x) => x.locality), all.map((x) => normaliseText(x.name))],
    );
    await m.query(`INSERT INTO model_organisation (model_id, organisation_id, role) SELECT unnest($1::uuid[]), unnest($2::uuid[]), 'LEAD'`, [
      all.map((x) => x.id),
      all.map((x) => x.lead),
    ]);
    await m.query(`INSERT INTO replication_link (source_model_id, target_model_id) SELECT unnest($1::uuid[]), unnest($2::uuid[])`, [
      models.map((x) => x.id),
      replicas.map((x) => x.id),
    ]);
    await m.query(`UPDATE model SET replica_count = replica_count + 1 WHERE id = ANY($1::uuid[])`, [models.map((x) => x.id)]);
    // New models (replicas with their incoming link) contribute, as createModel and replicateModel do.
    await summaryAggregates.contribute(
      m,
      all.map((x) => x.id),
    );
    return { organisationIds: orgs.map((o) => o.id), modelIds: models.map((x) => x.id), replicaIds: replicas.map((x) => x.id) };
  });
}

/** The servers a group of parts shares (test/helpers/group.ts), by their overrides, while one is open. */
let sharedServers: Map<TestConfig | undefined, Promise<TestServer>> | null = null;

/**
 * Within `register` (a group file's parts), `useTestServer()` without overrides hands each part
 * one default server, started on first use and stopped after the last part, instead of one each
 * (a server costs a second of CPU: its database opened from the snapshot); so does
 * `useTestServer(EMPTY_EMBEDDED_DATABASE)` (an embedded database the server's own start-up
 * migrates and seeds: 5 s of CPU), for parts that read what that start-up made. For parts that
 * already share their data with other test files on the PostgreSQL pass's database: a part that
 * needs a database to itself passes OWN_DATABASE (or other overrides) and keeps a server of its own.
 */
export function shareDefaultServer(register: () => void): void {
  const shared = new Map<TestConfig | undefined, Promise<TestServer>>();
  sharedServers = shared;
  try {
    register();
  } finally {
    sharedServers = null;
  }
  afterAll(async () => {
    for (const server of shared.values()) await (await server.catch(() => undefined))?.stop();
  });
}

/**
 * Registers beforeAll/afterAll that start a test server (and a seeder over it) for this file,
 * and returns the holder the tests read them from. Inside shareDefaultServer, without overrides
 * or with EMPTY_EMBEDDED_DATABASE: the group's shared server of those settings.
 */
export function useTestServer(overrides?: TestConfig): { server: TestServer; seed: Seeder } {
  const holder = {} as { server: TestServer; seed: Seeder };
  const shared = overrides === undefined || overrides === EMPTY_EMBEDDED_DATABASE ? sharedServers : null;
  beforeAll(async () => {
    if (shared && !shared.has(overrides)) shared.set(overrides, startTestServer(overrides));
    holder.server = await (shared ? (shared.get(overrides) as Promise<TestServer>) : startTestServer(overrides));
    holder.seed = seeder(holder.server);
  });
  if (!shared) afterAll(() => holder.server?.stop());
  return holder;
}

/**
 * Appends `n` ORGANISATION_UPDATED events for one organisation in one transaction, straight into
 * the change log (no mutation): a burst for the subscription and fan-out tests. `payload(i)` is
 * each event's payload (empty by default).
 */
export function appendBurst(
  server: TestServer,
  organisationId: string,
  n: number,
  payload: (i: number) => Record<string, unknown> = () => ({}),
): Promise<unknown> {
  return inTransaction(server.db.dataSource, (m) =>
    appendEvents(
      m,
      { name: 'burst', role: Role.ADMIN },
      Array.from({ length: n }, (_, i) => ({
        type: 'ORGANISATION_UPDATED',
        entityType: 'Organisation' as const,
        entityId: organisationId,
        organisationPaths: [`/${organisationId}/`],
        payload: payload(i),
      })),
    ),
  );
}
