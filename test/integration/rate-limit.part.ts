import { Role } from '../../src/shared/actor';
import { Redis } from 'ioredis';
import { OWN_DATABASE, startTestServer, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const TOKENS = new Map([
  ['alpha-token-1234', 'alpha'],
  ['beta-token-5678', 'beta'],
  // The WebSocket test's caller: a budget no other test draws on, so it starts on a fresh window without waiting for one.
  ['gamma-token-9012', 'gamma'],
]);
const CHEAP = '{ organisations(first: 1) { totalCount } }';

async function post(server: TestServer, query: string, token?: string) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rate limit per caller, in memory (no REDIS_URL)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Counts the whole organisation table before and after: a database no other file writes to.
    server = await startTestServer({ ...OWN_DATABASE, rateLimitPoints: 4, rateLimitDurationS: 2, redisUrl: undefined, apiTokens: TOKENS });
  });
  afterAll(() => server?.stop());

  it('refuses a caller over its budget with RATE_LIMITED (HTTP 429, Retry-After, extensions.retryAfter), changes nothing, leaves other callers alone, then lets it back', async () => {
    // Start at the beginning of a fresh window for alpha.
    for (let i = 0; i < 4; i += 1) expect((await post(server, CHEAP, 'alpha-token-1234')).json.errors).toBeUndefined();
    const before = await server.db.dataSource.query('SELECT count(*)::int AS n FROM organisation');
    const refused = await post(server, 'mutation { createOrganisation(input: { name: "Quá hạn mức", kind: OTHER }) { id } }', 'alpha-token-1234');
    expect(refused.status).toBe(429);
    expect(refused.json.errors).toHaveLength(1);
    expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    const retryAfter = refused.json.errors[0].extensions.retryAfter;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused.retryAfter).toBe(String(retryAfter));
    expect(refused.json.errors[0].extensions.http).toBeUndefined();
    expect(await server.db.dataSource.query('SELECT count(*)::int AS n FROM organisation')).toEqual(before);
    // Another token, and a caller without one (keyed by address), have budgets of their own.
    expect((await post(server, CHEAP, 'beta-token-5678')).json.errors).toBeUndefined();
    expect((await post(server, CHEAP)).json.errors).toBeUndefined();
    // After Retry-After the caller is served again.
    await sleep(retryAfter * 1000 + 100);
    expect((await post(server, CHEAP, 'alpha-token-1234')).json.errors).toBeUndefined();
  });

  it('counts WebSocket subscribe messages against the same budget: over it, the subscription gets RATE_LIMITED, the socket stays open', async () => {
    const client = wsClient(server, { authorization: 'Bearer gamma-token-9012' });
    try {
      for (let i = 0; i < 4; i += 1) expect((await post(server, CHEAP, 'gamma-token-9012')).json.errors).toBeUndefined();
      const refused = new Subscription(client, 'subscription { changes { cursor } }');
      await refused.until((s) => s.done);
      expect(JSON.stringify(refused.error)).toContain('RATE_LIMITED');
      expect(JSON.stringify(refused.error)).toContain('retryAfter');
      expect(client.closes).toEqual([]);
      await sleep(2_100);
      const served = new Subscription(client, 'subscription { changes { cursor type } }');
      const [org] = await server.db.dataSource.query('SELECT id FROM organisation LIMIT 1');
      await sleep(300);
      await server.services.models.create({ name: 'Mô hình sau hạn mức', domain: 'ECONOMY', leadOrganisationId: org.id } as never, {
        name: 'test',
        sub: 'test',
        role: Role.ADMIN,
        org: null,
      });
      await served.count(1);
      expect(served.data[0].changes.type).toBe('MODEL_CREATED');
      served.stop();
    } finally {
      await client.dispose();
    }
  });
});

describe('rate limit shared through Redis (REDIS_URL)', () => {
  const prefix = `dvk-rate-test-${process.pid}-${Date.now()}`;
  let a: TestServer;
  let b: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    await redis.ping(); // fails the file when Redis is not there: never a silent in-memory pass
    const shared = { rateLimitPoints: 6, rateLimitDurationS: 20, redisUrl: REDIS_URL, rateLimitPrefix: prefix, apiTokens: TOKENS };
    a = await startTestServer(shared);
    b = await startTestServer(shared);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('two instances draw on one budget per caller', async () => {
    for (let i = 0; i < 3; i += 1) expect((await post(a, CHEAP, 'alpha-token-1234')).json.errors).toBeUndefined();
    for (let i = 0; i < 3; i += 1) expect((await post(b, CHEAP, 'alpha-token-1234')).json.errors).toBeUndefined();
    // 6 spent across both: each instance now refuses alpha; in memory each would still allow 3.
    const onA = await post(a, CHEAP, 'alpha-token-1234');
    const onB = await post(b, CHEAP, 'alpha-token-1234');
    expect([onA.status, onA.json.errors?.[0]?.extensions?.code]).toEqual([429, 'RATE_LIMITED']);
    expect([onB.status, onB.json.errors?.[0]?.extensions?.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(onB.retryAfter)).toBeGreaterThan(0);
    // The budget lives in Redis under the caller's name, never under its token.
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toEqual([`${prefix}:sub:alpha`]);
    expect(Number(await redis.get(keys[0]))).toBe(8);
    // Another caller is untouched, on either instance.
    expect((await post(b, CHEAP, 'beta-token-5678')).json.errors).toBeUndefined();
  });
});
