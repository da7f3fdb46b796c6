import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { demoId } from '../../src/db/demo-seed';
import { TEST_JWT_SECRET, startTestServer, type TestServer } from '../helpers/server';

/**
 * AUTH_JWKS_URL: tokens signed by an identity provider's private key, verified with the public
 * keys it serves (a real HTTP server here), fetched once and cached by jose.
 */

const KY_SON = demoId.organisation('ky-son-ward');
let jwks: http.Server;
let served = 0;
let key: KeyLike;
let server: TestServer;
let unreachable: TestServer;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_req, res) => {
    served += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  server = await startTestServer({ auth: { jwtSecret: null, jwksUrl: url, audience: 'dvk', issuer: 'https://idp.test' } });
  unreachable = await startTestServer({ auth: { jwtSecret: null, jwksUrl: 'http://127.0.0.1:9/jwks.json' } });
});

afterAll(async () => {
  await server?.stop();
  await unreachable?.stop();
  await new Promise((resolve) => jwks.close(resolve));
});

async function post(target: TestServer, query: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

const signed = (claims: Record<string, unknown>, kid = 'k1') =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .setSubject('idp-user')
    .setIssuer('https://idp.test')
    .setAudience('dvk')
    .setExpirationTime('1h')
    .sign(key);

const RENAME = `mutation { createOrganisation(input: { name: "Tổ chức qua JWKS", kind: OTHER }) { id } }`;

describe('AUTH_JWKS_URL', () => {
  it('verifies RS256 tokens with the served keys, fetching them once', async () => {
    const editor = await signed({ role: 'EDITOR', org: KY_SON });
    const read = await post(server, `{ organisation(id: "${KY_SON}") { name } }`, editor);
    expect(read.body.data.organisation.name).toBe('Phường Kỳ Sơn');
    const write = await post(server, RENAME, editor);
    expect(write.body.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);
    const admin = await post(server, RENAME, await signed({ role: 'ADMIN' }));
    expect(admin.body.errors).toBeUndefined();
    const [event] = await server.db.dataSource.query('SELECT actor, actor_role AS role FROM change_event WHERE entity_id = $1', [
      admin.body.data.createOrganisation.id,
    ]);
    expect(event).toEqual({ actor: 'idp-user', role: 'ADMIN' });
    expect(served).toBe(1);
  });

  it('refuses an HS256 token (even one signed with a secret we know) and an unknown kid', async () => {
    const hs = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setIssuer('https://idp.test')
      .setAudience('dvk')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const reply = await post(server, RENAME, hs);
    expect([reply.status, reply.body.errors[0].extensions]).toEqual([
      401,
      expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'TOKEN_ALGORITHM_NOT_ALLOWED' }),
    ]);
    const unknown = await post(server, RENAME, await signed({ role: 'ADMIN' }, 'k-unknown'));
    expect([unknown.status, unknown.body.errors[0].extensions]).toEqual([
      401,
      expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'TOKEN_SIGNATURE_INVALID' }),
    ]);
  });

  it('answers SERVICE_UNAVAILABLE (503), not a token refusal, when the keys cannot be fetched', async () => {
    const reply = await post(unreachable, RENAME, await signed({ role: 'ADMIN' }));
    expect([reply.status, reply.body.errors.map((e: any) => e.extensions.code)]).toEqual([503, ['SERVICE_UNAVAILABLE']]);
    expect((await fetch(unreachable.url.replace('/graphql', '/healthz'))).status).toBe(200);
  });
});
