import { Role } from '../../src/shared/actor';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { buildManifest, manifestText, MANIFEST_PATH } from '../../scripts/trusted-documents';
import { sha256 } from '../../src/shared/trusted-documents';
import { itWithBrowser, useBrowser } from '../helpers/browser';
import { OWN_DATABASE, startTestServer, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/** Posts a GraphQL body as is (for persisted-query extensions) and returns status, headers and JSON. */
async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

/** Opens a raw WebSocket upgrade with an Origin; resolves 'open' or the HTTP status of the refusal. */
function upgrade(server: TestServer, origin?: string): Promise<string | number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', origin ? { origin } : {});
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', () => undefined);
  });
}

/** A tiny page server on its own port (so its origin differs from the API's). */
async function pageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>partner</title><p>partner page</p>');
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((resolve) => srv.close(() => resolve())) };
}

const CHEAP = '{ organisations(first: 2) { edges { node { id name } } } }';

describe('CORS, the WebSocket origin, introspection off, the token cap, production errors', () => {
  const browser = useBrowser();
  let server: TestServer;
  let allowed: Awaited<ReturnType<typeof pageServer>>;
  let refused: Awaited<ReturnType<typeof pageServer>>;
  beforeAll(async () => {
    allowed = await pageServer();
    refused = await pageServer();
    server = await startTestServer({ corsOrigins: [allowed.origin], introspection: false, maxDocumentTokens: 400, exposeErrors: false, sqlStats: false });
  });
  afterAll(async () => {
    await server?.stop();
    await allowed?.close();
    await refused?.close();
  });

  it('answers a preflight from an allowed origin with its Access-Control-Allow-Origin, and one from elsewhere without', async () => {
    const preflight = (origin: string) =>
      fetch(server.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const ok = await preflight(allowed.origin);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed.origin);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const no = await preflight(refused.origin);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await post(server, { query: CHEAP }, { origin: refused.origin });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const fromAllowed = await post(server, { query: CHEAP }, { origin: allowed.origin });
    expect(fromAllowed.headers.get('access-control-allow-origin')).toBe(allowed.origin);
    expect(fromAllowed.headers.get('vary')).toMatch(/origin/i);
    // A browser front end may read the request id (to quote it in a report) and the read-your-writes header.
    expect(fromAllowed.headers.get('access-control-expose-headers')).toBe('X-Request-Id,X-Read-Primary-Until');
    expect(fromAllowed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps Apollo's CSRF prevention: a simple cross-origin GET without a preflight-forcing header is refused", async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent(CHEAP)}`, { headers: { origin: allowed.origin } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });

  it('refuses the WebSocket upgrade of a refused origin (403), accepts an allowed one, its own origin and clients without Origin', async () => {
    expect(await upgrade(server, refused.origin)).toBe(403);
    expect(await upgrade(server, 'http://evil.example')).toBe(403);
    expect(await upgrade(server, allowed.origin)).toBe('open');
    expect(await upgrade(server, new URL(server.url).origin)).toBe('open');
    expect(await upgrade(server)).toBe('open');
    expect((await post(server, { query: CHEAP })).json.errors).toBeUndefined();
  });

  itWithBrowser(
    'lets a page on the allowed origin fetch the API and open a socket; a page on a refused origin can do neither',
    async () => {
      const context = await (await browser()).newContext();
      try {
        const attempt = async (origin: string) => {
          const page = await context.newPage();
          await page.goto(`${origin}/`);
          return page.evaluate(async (api: string) => {
            let fetched: string;
            try {
              const res = await fetch(api, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ query: '{ organisations(first: 1) { totalCount } }' }),
              });
              const body = (await res.json()) as { data?: { organisations?: { totalCount?: unknown } } };
              fetched = typeof body.data?.organisations?.totalCount === 'number' ? 'data' : JSON.stringify(body);
            } catch (error) {
              fetched = `blocked: ${(error as Error).name}`;
            }
            const socket = await new Promise<string>((resolve) => {
              const ws = new (globalThis as unknown as { WebSocket: typeof WebSocket }).WebSocket(api.replace(/^http/, 'ws'), 'graphql-transport-ws');
              ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
              ws.onmessage = (event) => {
                resolve(JSON.parse(String(event.data)).type);
                ws.close();
              };
              ws.onerror = () => resolve('error');
            });
            return { fetched, socket };
          }, server.url);
        };
        expect(await attempt(allowed.origin)).toEqual({ fetched: 'data', socket: 'connection_ack' });
        expect(await attempt(refused.origin)).toEqual({ fetched: 'blocked: TypeError', socket: 'error' });
      } finally {
        await context.close();
      }
    },
    60_000,
  );

  it('refuses introspection over HTTP and WebSocket with GRAPHQL_VALIDATION_FAILED naming INTROSPECTION=false; __typename still works', async () => {
    const res = await post(server, { query: '{ __schema { queryType { name } } }' });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.json.errors[0].message).toMatch(/INTROSPECTION=false/);
    const type = await post(server, { query: '{ __type(name: "Model") { name } }' });
    expect(type.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await post(server, { query: '{ __typename }' })).json).toEqual({ data: { __typename: 'Query' } });
    const client = wsClient(server);
    try {
      const sub = new Subscription(client, 'subscription { changes { cursor } __schema { types { name } } }');
      await sub.until((s) => s.done);
      expect(JSON.stringify(sub.error)).toMatch(/INTROSPECTION=false/);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a document over MAX_DOCUMENT_TOKENS with GRAPHQL_PARSE_FAILED, and answers the next request', async () => {
    const big = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const res = await post(server, { query: big });
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(res.json.errors[0].message).toMatch(/400 tokens/);
    expect((await post(server, { query: CHEAP })).json.errors).toBeUndefined();
  });

  it('outside development no error carries a stack trace or a file path', async () => {
    const bodies = [
      { query: '{ nope }' },
      { query: '{ organisations(first: 5000) { totalCount } }' },
      { query: '{ organisations(first: 2, after: "garbage") { totalCount } }' },
      { query: 'query { _entities(representations: [{ __typename: "Model" }]) { __typename } }' },
      { query: '{' },
    ];
    for (const body of bodies) {
      const res = await post(server, body);
      const text = JSON.stringify(res.json);
      expect(res.json.errors?.length).toBeGreaterThan(0);
      expect([body.query, text]).not.toEqual([body.query, expect.stringMatching(/stacktrace|\/src\/|\/node_modules\/|\.[jt]s:\d+/)]);
    }
    const malformed = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(await malformed.text()).not.toMatch(/stacktrace|\/src\/|\/node_modules\/|\.[jt]s:\d+/);
  });
});

describe('trusted documents', () => {
  const manifest = buildManifest();
  const op = (name: string) => manifest.operations.find((o) => o.name === name)!;
  const byHash = (name: string, variables: Record<string, unknown> = {}) => ({
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: op(name).id } },
  });

  it('the checked-in manifest is what schema/partner-operations/ generates (npm run trusted-documents)', () => {
    expect(fs.readFileSync(MANIFEST_PATH, 'utf8')).toBe(manifestText(manifest));
    expect(manifest.operations.map((o) => o.name).sort()).toEqual(['PortalModelChanged', 'PortalModels', 'PortalOrganisation', 'PressTopReplicated']);
    for (const o of manifest.operations) expect(o.id).toBe(sha256(o.body));
  });

  describe('TRUSTED_DOCUMENTS=required: a partner client runs only its operations', () => {
    let server: TestServer;
    beforeAll(async () => {
      // Counts the whole organisation table before and after: a database no other file writes to.
      server = await startTestServer({ ...OWN_DATABASE, trustedDocuments: 'required' });
    });
    afterAll(() => server?.stop());

    it('runs manifest operations by hash alone (POST and GET) and by their exact text', async () => {
      const models = await post(server, byHash('PortalModels', { first: 3 }));
      expect(models.json.errors).toBeUndefined();
      expect(models.json.data.models.edges).toHaveLength(3);
      const press = await post(server, byHash('PressTopReplicated', { period: '2023-H1' }));
      expect(press.json.errors).toBeUndefined();
      expect(press.json.data.topReplicated).toEqual(expect.any(Array));
      const get = await fetch(
        `${server.url}?extensions=${encodeURIComponent(JSON.stringify(byHash('PortalModels').extensions))}&variables=${encodeURIComponent('{"first":1}')}`,
        { headers: { 'apollo-require-preflight': 'true' } },
      );
      expect(((await get.json()) as any).data.models.edges).toHaveLength(1);
      const text = await post(server, { query: op('PortalModels').body, variables: { first: 2 } });
      expect(text.json.data.models.edges).toHaveLength(2);
    });

    it('refuses free-form documents, unknown hashes and APQ registration with PERSISTED_QUERY_NOT_ALLOWED (HTTP 400); nothing changes', async () => {
      const before = await server.db.dataSource.query('SELECT count(*)::int AS n FROM organisation');
      const refusals = [
        { query: CHEAP },
        { query: `${op('PortalModels').body} ` }, // one space more: another document
        { query: 'mutation { createOrganisation(input: { name: "Không được", kind: OTHER }) { id } }' },
        { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } },
        { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } },
      ];
      for (const body of refusals) {
        const res = await post(server, body);
        expect([body, res.status, res.json.errors?.[0]?.extensions?.code]).toEqual([body, 400, 'PERSISTED_QUERY_NOT_ALLOWED']);
        expect(res.json.data).toBeUndefined();
      }
      // The APQ registration above did not make the hash usable.
      const again = await post(server, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } });
      expect(again.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
      expect(await server.db.dataSource.query('SELECT count(*)::int AS n FROM organisation')).toEqual(before);
      expect((await post(server, byHash('PortalModels', { first: 1 }))).json.data.models.edges).toHaveLength(1);
    });

    it('over WebSocket subscribes only to manifest documents', async () => {
      const client = wsClient(server);
      try {
        const refused = new Subscription(client, 'subscription { changes { cursor } }');
        await refused.until((s) => s.done);
        expect(JSON.stringify(refused.error)).toContain('PERSISTED_QUERY_NOT_ALLOWED');
        const trusted = new Subscription(client, op('PortalModelChanged').body);
        const [org] = await server.db.dataSource.query('SELECT id FROM organisation ORDER BY name LIMIT 1');
        // Mutations are not partner operations here: the change is made behind the API.
        await new Promise((r) => setTimeout(r, 300));
        await server.services.models.create({ name: 'Mô hình tin cậy', domain: 'ECONOMY', leadOrganisationId: org.id } as never, {
          name: 'test',
          sub: 'test',
          role: Role.ADMIN,
          org: null,
        });
        await trusted.count(1);
        expect(trusted.data[0].modelChanged.model.name).toBe('Mô hình tin cậy');
        trusted.stop();
      } finally {
        await client.dispose();
      }
    });
  });

  describe('TRUSTED_DOCUMENTS=optional and off', () => {
    let optional: TestServer;
    let off: TestServer;
    beforeAll(async () => {
      optional = await startTestServer({ trustedDocuments: 'optional' });
      off = await startTestServer({ trustedDocuments: 'off' });
    });
    afterAll(async () => {
      await optional?.stop();
      await off?.stop();
    });

    it('optional: manifest hashes, free-form documents and automatic persisted queries all run', async () => {
      expect((await post(optional, byHash('PortalModels', { first: 1 }))).json.data.models.edges).toHaveLength(1);
      expect((await post(optional, { query: CHEAP })).json.errors).toBeUndefined();
      const query = '{ organisations(first: 1) { totalCount } }';
      const apq = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } };
      expect((await post(optional, apq)).json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await post(optional, { query, ...apq })).json.errors).toBeUndefined();
      expect((await post(optional, apq)).json.data.organisations.totalCount).toBeGreaterThan(0);
    });

    it('off: the manifest is not consulted (PERSISTED_QUERY_NOT_FOUND), and APQ works', async () => {
      expect((await post(off, byHash('PortalModels', { first: 1 }))).json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      const query = '{ organisations(first: 1) { edges { node { id } } } }';
      const apq = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } };
      expect((await post(off, { query, ...apq })).json.errors).toBeUndefined();
      expect((await post(off, apq)).json.data.organisations.edges).toHaveLength(1);
    });
  });
});
