import { startTestServer, uniqueName, type TestConfig, type TestServer } from './server';

/** One-line builders for test data over the real API (Hive console's initSeed idea). */
export function seeder(server: TestServer) {
  return {
    async organisation(input: { name?: string; kind?: string; parentId?: string | null } = {}) {
      const data = await server.ok(
        `mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id name version } }`,
        { input: { name: input.name ?? uniqueName('Tổ chức'), kind: input.kind ?? 'OTHER', parentId: input.parentId ?? null } },
      );
      return data.createOrganisation as { id: string; name: string; version: number };
    },
    async model(input: { leadOrganisationId: string; name?: string; description?: string; domain?: string; status?: string; partnerOrganisationIds?: string[]; recognisedPeriod?: string; startedOn?: string }) {
      const data = await server.ok(
        `mutation($input: CreateModelInput!) { createModel(input: $input) { id name domain status version } }`,
        { input: { name: uniqueName('Mô hình'), domain: 'ECONOMY', ...input } },
      );
      return data.createModel as { id: string; name: string; domain: string; status: string; version: number };
    },
    async replicate(sourceModelId: string, targetOrganisationId: string, replicatedOn?: string) {
      const data = await server.ok(
        `mutation($input: ReplicateModelInput!) { replicateModel(input: $input) { id target { id name } } }`,
        { input: { sourceModelId, targetOrganisationId, replicatedOn } },
      );
      return data.replicateModel as { id: string; target: { id: string; name: string } };
    },
  };
}

export type Seeder = ReturnType<typeof seeder>;

/**
 * Registers beforeAll/afterAll that start a test server (and a seeder over it) for this file,
 * and returns the holder the tests read them from.
 */
export function useTestServer(overrides: TestConfig = {}): { server: TestServer; seed: Seeder } {
  const holder = {} as { server: TestServer; seed: Seeder };
  beforeAll(async () => {
    holder.server = await startTestServer(overrides);
    holder.seed = seeder(holder.server);
  });
  afterAll(() => holder.server?.stop());
  return holder;
}
