import { uniqueName, type TestServer } from './server';

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
    async model(input: { leadOrganisationId: string; name?: string; domain?: string; status?: string; partnerOrganisationIds?: string[]; recognisedPeriod?: string; startedOn?: string }) {
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
