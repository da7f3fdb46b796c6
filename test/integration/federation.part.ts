import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { DEMO_LINKS } from '../../src/db/demo-data';
import { demoId } from '../../src/db/demo-seed';
import { MAX_BAD_REPRESENTATIONS } from '../../src/shared/entities';
import { useTestServer } from '../helpers/seed';

const t = useTestServer();

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) {
  __typename ... on Organisation { id name } ... on Model { id name } ... on ReplicationLink { id } } }`;

describe('Federation v2 subgraph', () => {
  it('serves _service { sdl } with the link and entity keys', async () => {
    const data = await t.server.ok('{ _service { sdl } }');
    expect(data._service.sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2');
    for (const type of ['Organisation', 'Model', 'ReplicationLink']) {
      expect(data._service.sdl).toMatch(new RegExp(`type ${type}[^{]*@key\\(fields: "id"\\)`));
    }
  });

  it('resolves 500 mixed representations with one SQL statement per type; unknown ids are null', async () => {
    const orgs = await t.server.db.dataSource.query('SELECT id FROM organisation LIMIT 20');
    const models = await t.server.db.dataSource.query('SELECT id FROM model LIMIT 40');
    const links = await t.server.db.dataSource.query('SELECT id FROM replication_link LIMIT 5');
    const representations = [];
    for (let i = 0; i < 500; i += 1) {
      const pick = i % 3;
      if (pick === 0) representations.push({ __typename: 'Organisation', id: orgs[i % orgs.length].id });
      else if (pick === 1) representations.push({ __typename: 'Model', id: models[i % models.length].id });
      else representations.push({ __typename: 'ReplicationLink', id: links[i % links.length].id });
    }
    representations[499] = { __typename: 'Model', id: '00000000-0000-4000-8000-00000000dead' };
    const res = await t.server.gql(ENTITIES, { representations });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities).toHaveLength(500);
    expect(res.data._entities[0]).toEqual({ __typename: 'Organisation', id: orgs[0].id, name: expect.any(String) });
    expect(res.data._entities[1]).toEqual({ __typename: 'Model', id: models[1].id, name: expect.any(String) });
    expect(res.data._entities[499]).toBeNull();
    console.log(`_entities with 500 representations: ${res.extensions?.sqlStatements} SQL statements`);
    expect(res.extensions?.sqlStatements).toBe(3);
  });

  it('resolves 500 representations with bad ones among them: each bad one is BAD_USER_INPUT at its index, the rest resolve, still one statement per type', async () => {
    const orgs = await t.server.db.dataSource.query('SELECT id FROM organisation LIMIT 20');
    const models = await t.server.db.dataSource.query('SELECT id FROM model LIMIT 40');
    const links = await t.server.db.dataSource.query('SELECT id FROM replication_link LIMIT 5');
    const typenames = ['Organisation', 'Model', 'ReplicationLink'];
    const rows = [orgs, models, links];
    const representations: unknown[] = Array.from({ length: 500 }, (_, i) => ({ __typename: typenames[i % 3], id: rows[i % 3][i % rows[i % 3].length].id }));
    // One bad representation of every kind, for every type, spread over the batch.
    const bad: Record<number, unknown> = {
      3: { __typename: 'Organisation', id: 7 },
      100: { __typename: 'Model', id: { id: models[0].id } },
      200: { __typename: 'ReplicationLink' },
      250: { __typename: 'Unknown', id: orgs[0].id },
      300: { __typename: '_Service', id: orgs[0].id },
      400: 42,
      498: 'Organisation',
    };
    for (const [i, value] of Object.entries(bad)) representations[Number(i)] = value;
    const res = await t.server.gql(ENTITIES, { representations });
    const errors = [...(res.errors ?? [])].sort((a: any, b: any) => a.path[1] - b.path[1]);
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual(Object.keys(bad).map((i) => [['_entities', Number(i)], 'BAD_USER_INPUT']));
    expect(errors[0].message).toBe('Representation 3 of Organisation has no string id (it is a number).');
    expect(res.data._entities).toHaveLength(500);
    res.data._entities.forEach((entity: { __typename: string; id: string } | null, i: number) => {
      if (i in bad) expect([i, entity]).toEqual([i, null]);
      else expect([i, entity?.__typename, entity?.id]).toEqual([i, typenames[i % 3], (representations[i] as { id: string }).id]);
    });
    expect(res.extensions?.sqlStatements).toBe(3);
  });

  it(`refuses more than ${MAX_BAD_REPRESENTATIONS} bad representations with one BAD_USER_INPUT, quickly, and answers the next request`, async () => {
    const [model] = await t.server.db.dataSource.query('SELECT id FROM model LIMIT 1');
    const justUnder = [{ __typename: 'Model', id: model.id }, ...Array(MAX_BAD_REPRESENTATIONS).fill({ __typename: 'Model', id: 5 })];
    const under = await t.server.gql(ENTITIES, { representations: justUnder });
    expect(under.errors).toHaveLength(MAX_BAD_REPRESENTATIONS);
    expect(under.data._entities[0]).toEqual({ __typename: 'Model', id: model.id, name: expect.any(String) });
    // About 900 kB of JSON, just under the body limit: 20,000 errors used to hold the server for seconds.
    const flood = [{ __typename: 'Model', id: model.id }, ...Array(20_000).fill({ __typename: 'Model', id: 5 })];
    const started = Date.now();
    const res = await t.server.gql(ENTITIES, { representations: flood });
    const took = Date.now() - started;
    expect(res.errors).toEqual([
      expect.objectContaining({ path: ['_entities'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', malformed: 20_000 }) }),
    ]);
    expect(res.errors![0].message).toMatch(/^20000 of the 20001 representations are malformed.*The first: Representation 1 of Model has no string id/);
    expect(res.data).toBeNull();
    expect(took).toBeLessThan(5_000);
    expect((await t.server.ok(ENTITIES, { representations: [{ __typename: 'Model', id: model.id }] }))._entities).toHaveLength(1);
  });

  it('composes with another subgraph and answers a query across both through a gateway', async () => {
    // Arrange: a "documents" subgraph that extends Organisation and Model by key.
    const policeModel = demoId.model(DEMO_LINKS[0].sourceKey);
    const documentsSdl = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type Document @key(fields: "id") { id: ID! title: String! about: Model! }
      type Model @key(fields: "id") { id: ID! documents: [Document!]! }
      type Organisation @key(fields: "id") { id: ID! documentCount: Int! }
      type Query { documents: [Document!]! }`;
    const docs = [{ id: 'doc-1', title: 'Báo cáo 6 tháng đầu năm 2023', modelId: policeModel }];
    const documents = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: parse(documentsSdl),
        resolvers: {
          Query: { documents: () => docs },
          Document: { about: (d: { modelId: string }) => ({ __typename: 'Model', id: d.modelId }) },
          Model: { documents: (m: { id: string }) => docs.filter((d) => d.modelId === m.id) },
          Organisation: { documentCount: () => docs.length },
        } as never,
      }),
    });
    const { url: documentsUrl } = await startStandaloneServer(documents, { listen: { port: 0, host: '127.0.0.1' } });
    try {
      const ourSdl = (await t.server.ok('{ _service { sdl } }'))._service.sdl as string;
      const composed = composeServices([
        { name: 'dan-van', typeDefs: parse(ourSdl), url: t.server.url },
        { name: 'documents', typeDefs: parse(documentsSdl), url: documentsUrl },
      ]);
      expect(composed.errors ?? []).toEqual([]);
      // The router's authorization and demand control see what the server enforces itself.
      const supergraph = composed.supergraphSdl!;
      expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
      expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
      expect(supergraph).toContain('@link(url: "https://specs.apollo.dev/cost/v0.1"');
      expect(supergraph).toMatch(/createModel\([\s\S]*?\): Model! [^\n]*@authenticated[^\n]*@requiresScopes\(scopes: \[\["dvk:write"\], \["dvk:admin"\]\]\)/);
      expect(supergraph).toMatch(/createOrganisation\([\s\S]*?\): Organisation! [^\n]*@requiresScopes\(scopes: \[\["dvk:admin"\]\]\)/);
      expect(supergraph).toMatch(/restoreOrganisation\([\s\S]*?\): Organisation! [^\n]*@requiresScopes\(scopes: \[\["dvk:admin"\]\]\)/);
      expect(supergraph).toMatch(
        /\n\s+\): ModelConnection! [^\n]*@listSize\(assumedSize: 20, slicingArguments: \["first", "last"\], requireOneSlicingArgument: false, sizedFields: \["edges"\]\)/,
      );
      expect(supergraph).toMatch(/topReplicated\([\s\S]*?\): \[ReplicatedModel!\]! [^\n]*@cost\(weight: 5001\)/);
      // @apollo/gateway refuses supergraphs with `for: SECURITY` features (Apollo Router enforces
      // them): the query below goes through a gateway composed without the two access directives.
      const withoutAccess = t.server.built.subgraphSdl
        .replace(/ @authenticated| @requiresScopes\(scopes: \[[^\n]*?\]\]\)/g, '')
        .replace(/, "@authenticated", "@requiresScopes"/, '');
      expect(withoutAccess).not.toMatch(/authenticated|requiresScopes/);
      const forGateway = composeServices([
        { name: 'dan-van', typeDefs: parse(withoutAccess), url: t.server.url },
        { name: 'documents', typeDefs: parse(documentsSdl), url: documentsUrl },
      ]);
      expect(forGateway.errors ?? []).toEqual([]);
      const gateway = new ApolloServer({
        gateway: new ApolloGateway({ supergraphSdl: forGateway.supergraphSdl!, buildService: ({ url }) => new RemoteGraphQLDataSource({ url }) }),
      });
      await gateway.start();
      try {
        // Act: start in the documents subgraph, reach our replicas and summaries, and come back.
        const res = await gateway.executeOperation({
          query: `{ documents { title about { name domain replicaCount leadOrganisation { name documentCount summary(period: "2023-H1") { totalModels byDomain { domain count } } }
            replicas(first: 5) { edges { node { name leadOrganisation { name } replicatedFrom { documents { title } } } } } } } }`,
        });
        const body = res.body.kind === 'single' ? res.body.singleResult : null;
        expect(body?.errors).toBeUndefined();
        const about = (body?.data as any).documents[0].about;
        // Assert
        expect(about.domain).toBe('POLITICAL_SYSTEM');
        expect(about.leadOrganisation.name).toMatch(/Công an thành phố/);
        expect(about.leadOrganisation.documentCount).toBe(1);
        expect(about.leadOrganisation.summary.totalModels).toBeGreaterThanOrEqual(1);
        const byDomain = about.leadOrganisation.summary.byDomain as Array<{ domain: string; count: number }>;
        expect(byDomain.find((d) => d.domain === 'POLITICAL_SYSTEM')!.count).toBeGreaterThanOrEqual(2);
        expect(byDomain.reduce((sum, d) => sum + d.count, 0)).toBe(about.leadOrganisation.summary.totalModels);
        expect(about.replicas.edges[0].node.leadOrganisation.name).toMatch(/Công an các phường, xã/);
        expect(about.replicas.edges[0].node.replicatedFrom.documents).toEqual([{ title: 'Báo cáo 6 tháng đầu năm 2023' }]);
      } finally {
        await gateway.stop();
      }
    } finally {
      await documents.stop();
    }
  });
});
