import fs from 'node:fs';
import path from 'node:path';
import { Role } from '../../src/shared/actor';
import { labelValues, scrape, valueOf, type Sample } from '../helpers/metrics';
import { appendBurst } from '../helpers/seed';
import { freePort, OWN_DATABASE, startTestServer, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/*
 * /metrics against a real server: every figure an operator alerts on moves when the thing it
 * counts happens, and a caller cannot invent label values.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'trusted-documents.json'), 'utf8')) as {
  operations: Array<{ name: string; body: string }>;
};
const PORTAL_MODELS = MANIFEST.operations.find((op) => op.name === 'PortalModels')!;
const SAVED = fs.readFileSync(path.join(ROOT, 'schema', 'operations', '01-city-figures-2023-h1.graphql'), 'utf8');
const ADMIN = { name: 'metrics-test', sub: 'metrics-test', role: Role.ADMIN, org: null };

const DURATION = 'dvk_graphql_request_duration_seconds_count';

async function post(server: TestServer, body: Record<string, unknown>, headers: Record<string, string> = server.adminHeaders) {
  const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
}

/** Scrapes until `predicate` holds (gauges read at scrape time follow sockets closing asynchronously). */
async function scrapeUntil(url: string, predicate: (samples: Sample[]) => boolean, timeoutMs = 10_000): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { samples } = await scrape(url);
    if (predicate(samples) || Date.now() > deadline) return samples;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('/metrics on the API port', () => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    // A database of its own in the PostgreSQL pass: the event log head and the cut-off count are this server's alone, not moved by files running in parallel.
    server = await startTestServer({ ...OWN_DATABASE, eventBufferSize: 10 });
    url = server.metricsUrl!;
  });
  afterAll(() => server?.stop());

  it('is Prometheus text on the API port, with the default process metrics and the pool gauges', async () => {
    expect(url).toBe(server.url.replace('/graphql', '/metrics'));
    const { status, contentType, samples } = await scrape(url);
    expect(status).toBe(200);
    expect(contentType).toContain('text/plain');
    expect(valueOf(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    for (const gauge of ['dvk_db_pool_connections', 'dvk_db_pool_idle', 'dvk_db_pool_waiting']) {
      expect(samples.filter((s) => s.name === gauge).map((s) => s.labels.pool)).toEqual(['primary']);
    }
    expect(valueOf(samples, 'dvk_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'dvk_db_pool_waiting')).toBe(0);
  });

  it('times a trusted document under its name and counts its SQL statements', async () => {
    const before = (await scrape(url)).samples;
    const res = await post(server, { query: PORTAL_MODELS.body, operationName: 'PortalModels', variables: { first: 3 } });
    expect(res.json.errors).toBeUndefined();
    const statements = res.json.extensions.sqlStatements as number;
    expect(statements).toBeGreaterThan(0);
    const after = (await scrape(url)).samples;
    const rise = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(rise(DURATION, { operation: 'PortalModels', outcome: 'ok' })).toBe(1);
    expect(rise('dvk_sql_statements_per_request_count', { operation: 'PortalModels' })).toBe(1);
    expect(rise('dvk_sql_statements_per_request_sum', { operation: 'PortalModels' })).toBe(statements);
    expect(rise('dvk_sql_seconds_per_request_count', { operation: 'PortalModels' })).toBe(1);
  });

  it('names a saved question of schema/operations, and nothing else: the same name on another document is "other"', async () => {
    const before = (await scrape(url)).samples;
    expect((await post(server, { query: SAVED, operationName: 'CityFigures2023H1' })).json.errors).toBeUndefined();
    expect((await post(server, { query: 'query CityFigures2023H1 { __typename }' })).json.errors).toBeUndefined();
    expect((await post(server, { query: '{ __typename }' })).json.errors).toBeUndefined();
    const after = (await scrape(url)).samples;
    expect(valueOf(after, DURATION, { operation: 'CityFigures2023H1' }) - valueOf(before, DURATION, { operation: 'CityFigures2023H1' })).toBe(1);
    expect(valueOf(after, DURATION, { operation: 'other', outcome: 'ok' }) - valueOf(before, DURATION, { operation: 'other', outcome: 'ok' })).toBe(2);
  });

  it('counts errors by code, with the outcome of the request', async () => {
    const before = (await scrape(url)).samples;
    const invalid = await post(server, { query: '{ noSuchField }' });
    expect(invalid.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const tooBig = await post(server, { query: '{ __typename organisations(first: 100000) { totalCount } }' });
    expect(tooBig.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const refused = await post(server, { query: '{ __typename }' }, { authorization: 'Bearer not-a-token' });
    expect(refused.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const after = (await scrape(url)).samples;
    const rise = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(rise('dvk_graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED', transport: 'http' })).toBe(1);
    expect(rise('dvk_graphql_errors_total', { code: 'UNAUTHENTICATED', transport: 'http' })).toBe(1);
    expect(rise('dvk_graphql_errors_total', { code: 'BAD_USER_INPUT', transport: 'http' })).toBe(1);
    // Both that reached an operation failed (the refused token never did): error, or partial with data.
    expect(rise(DURATION, { operation: 'other', outcome: 'error' }) + rise(DURATION, { operation: 'other', outcome: 'partial' })).toBe(2);
  });

  it('observes DataLoader batch sizes by loader: one batch of five keys for five models, one page batch for three parents', async () => {
    const before = (await scrape(url)).samples;
    // The lead with a timestamp goes through its DataLoader (without one, the model page brings it along).
    const data = await server.ok(
      '{ models(first: 5) { edges { node { leadOrganisation { id createdAt } } } } organisations(first: 3) { edges { node { children(first: 2) { totalCount } } } } }',
    );
    expect(data.models.edges).toHaveLength(5);
    const after = (await scrape(url)).samples;
    const rise = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    const loaders = labelValues(after, 'dvk_dataloader_batch_size_count', 'loader');
    const leads = loaders.filter((l) => /leadOrganisationByModelId$/i.test(l));
    expect(leads.length).toBeGreaterThan(0);
    expect(leads.reduce((n, loader) => n + rise('dvk_dataloader_batch_size_sum', { loader }), 0)).toBe(5);
    expect(leads.reduce((n, loader) => n + rise('dvk_dataloader_batch_size_count', { loader }), 0)).toBe(1);
    expect(rise('dvk_dataloader_batch_size_count', { loader: 'organisation.children' })).toBe(1);
    expect(rise('dvk_dataloader_batch_size_sum', { loader: 'organisation.children' })).toBe(3);
  });

  it('keeps operation labels bounded: 50 made-up operation names add no label value', async () => {
    await post(server, { query: 'query Warmup { __typename }' });
    const before = (await scrape(url)).samples;
    const labels = labelValues(before, DURATION, 'operation');
    for (let i = 0; i < 50; i += 1) await post(server, { query: `query Hostile${i}_${Date.now()} { __typename }` });
    for (let i = 0; i < 5; i += 1) await post(server, { query: `{ __typename }`, extensions: { code: `EVIL_${i}` } });
    const after = (await scrape(url)).samples;
    expect(labelValues(after, DURATION, 'operation')).toEqual(labels);
    expect(valueOf(after, DURATION, { operation: 'other' }) - valueOf(before, DURATION, { operation: 'other' })).toBe(55);
    expect(labels.some((l) => l.startsWith('Hostile'))).toBe(false);
  });

  it('follows WebSocket connections and subscriptions up and down, and the event log head against the hub', async () => {
    const before = (await scrape(url)).samples;
    const connections = valueOf(before, 'dvk_websocket_connections');
    const active = valueOf(before, 'dvk_subscriptions_active');
    const client = wsClient(server);
    const org = await server.services.organisations.create({ name: `Tổ chức đo ${Date.now()}`, kind: 'OTHER' } as never, ADMIN);
    const sub = new Subscription(client, 'subscription($after: String, $org: ID!) { changes(after: $after, filter: { organisationId: $org }) { cursor } }', {
      after: (await server.ok('{ latestChangeCursor }')).latestChangeCursor,
      org: org.id,
    });
    await server.services.organisations.update({ id: org.id, version: org.version, name: `${org.name} (2)` } as never, ADMIN);
    await sub.count(1);
    const [{ id: head }] = await server.db.dataSource.query('SELECT max(id)::text AS id FROM change_event');
    // The log's head is read at most once a second: the scrape before may still be the one answering.
    const during = await scrapeUntil(url, (s) => valueOf(s, 'dvk_subscriptions_live') >= 1 && valueOf(s, 'dvk_event_log_head_id') === Number(head));
    expect(valueOf(during, 'dvk_websocket_connections')).toBe(connections + 1);
    expect(valueOf(during, 'dvk_subscriptions_active')).toBe(active + 1);
    expect(valueOf(during, 'dvk_subscriptions_live')).toBeGreaterThanOrEqual(1);
    expect(valueOf(during, 'dvk_event_log_head_id')).toBe(Number(head));
    expect(valueOf(during, 'dvk_event_hub_head_id')).toBe(Number(head));
    expect(valueOf(during, 'dvk_event_hub_lag_events')).toBe(0);
    sub.stop();
    await client.dispose();
    const afterwards = await scrapeUntil(url, (s) => valueOf(s, 'dvk_websocket_connections') === connections);
    expect(valueOf(afterwards, 'dvk_websocket_connections')).toBe(connections);
    expect(valueOf(afterwards, 'dvk_subscriptions_active')).toBe(active);
  });

  it('counts a slow subscriber cut off', async () => {
    const org = await server.services.organisations.create({ name: `Tổ chức dồn ${Date.now()}`, kind: 'OTHER' } as never, ADMIN);
    const client = wsClient(server);
    const before = valueOf((await scrape(url)).samples, 'dvk_subscribers_too_slow_total');
    const sub = new Subscription(client, 'subscription($after: String, $org: ID!) { changes(after: $after, filter: { organisationId: $org }) { cursor } }', {
      after: (await server.ok('{ latestChangeCursor }')).latestChangeCursor,
      org: org.id,
    });
    const burst = (n: number) => appendBurst(server, org.id, n);
    await burst(1);
    await sub.count(1);
    await burst(600); // far beyond EVENT_BUFFER_SIZE (10)
    await sub.until((s) => s.done, 15_000);
    expect((sub.error as any)?.[0]?.extensions?.code).toBe('SUBSCRIBER_TOO_SLOW');
    const after = (await scrape(url)).samples;
    expect(valueOf(after, 'dvk_subscribers_too_slow_total') - before).toBe(1);
    expect(valueOf(after, 'dvk_graphql_errors_total', { code: 'SUBSCRIBER_TOO_SLOW', transport: 'ws' })).toBeGreaterThanOrEqual(1);
    await client.dispose();
  });
});

describe('/metrics on METRICS_PORT, with rate-limit refusals', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ metricsPort: await freePort(), rateLimitPoints: 2, rateLimitDurationS: 60, redisUrl: undefined });
  });
  afterAll(() => server?.stop());

  it('serves /metrics on its own port only', async () => {
    expect(new URL(server.metricsUrl!).port).not.toBe(String(server.port));
    expect((await scrape(server.metricsUrl!)).status).toBe(200);
    expect((await fetch(server.url.replace('/graphql', '/metrics'))).status).toBe(404);
    expect((await fetch(server.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('counts rate-limit refusals over HTTP and WebSocket', async () => {
    const url = server.metricsUrl!;
    const before = (await scrape(url)).samples;
    expect(valueOf(before, 'dvk_rate_limit_refusals_total', { transport: 'http' })).toBe(0);
    for (let i = 0; i < 2; i += 1) expect((await post(server, { query: '{ __typename }' })).status).toBe(200);
    const refused = await post(server, { query: '{ __typename }' });
    expect(refused.status).toBe(429);
    const client = wsClient(server, server.adminHeaders);
    const sub = new Subscription(client, 'subscription { changes { cursor } }');
    await sub.until((s) => s.done);
    expect(JSON.stringify(sub.error)).toContain('RATE_LIMITED');
    await client.dispose();
    const after = (await scrape(url)).samples;
    expect(valueOf(after, 'dvk_rate_limit_refusals_total', { transport: 'http' })).toBe(1);
    expect(valueOf(after, 'dvk_rate_limit_refusals_total', { transport: 'ws' })).toBe(1);
    expect(valueOf(after, 'dvk_graphql_errors_total', { code: 'RATE_LIMITED', transport: 'http' })).toBe(1);
    expect(valueOf(after, 'dvk_graphql_errors_total', { code: 'RATE_LIMITED', transport: 'ws' })).toBe(1);
  });
});

describe('METRICS_ENABLED=false', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ metricsEnabled: false });
  });
  afterAll(() => server?.stop());

  it('has no /metrics route', async () => {
    expect(server.metricsUrl).toBeNull();
    expect((await fetch(server.url.replace('/graphql', '/metrics'))).status).toBe(404);
    expect((await server.ok('{ organisations(first: 1) { totalCount } }')).organisations.totalCount).toBeGreaterThan(0);
  });
});
