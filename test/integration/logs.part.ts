import net from 'node:net';
import WebSocket from 'ws';
import { loadConfig } from '../../src/shared/config';
import { createLogger, withoutPassword } from '../../src/shared/logger';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server';
import { Subscription, wsClient } from '../helpers/ws';

/*
 * The request log, read as an operator reads it: the JSON lines a real server writes (captured
 * through the logDestination setting, the same pino logger and redaction as on stdout), for real
 * requests over HTTP and WebSocket with a real token.
 */

interface Line {
  level: string;
  msg: string;
  requestId?: string;
  [field: string]: any;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_VALUE = 'hunter2-do-not-log-9f8e7d';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server whose log lines (every level from info) are collected as parsed JSON. */
async function loggedServer(overrides: Parameters<typeof startTestServer>[0] = {}) {
  const raw: string[] = [];
  const server = await startTestServer({ logLevel: 'info', logDestination: { write: (line: string) => raw.push(line) }, ...overrides });
  const lines = () =>
    raw
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  /** The line of request `id`, once it is written (the line follows the response by a tick or two). */
  const lineOf = async (id: string, msg = /request/): Promise<Line> => {
    for (let i = 0; i < 100; i += 1) {
      const found = lines().find((l) => l.requestId === id && msg.test(l.msg));
      if (found) return found;
      await sleep(20);
    }
    throw new Error(`no log line for request ${id}:\n${raw.join('')}`);
  };
  return { server, raw, lines, lineOf };
}

async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...server.adminHeaders, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, id: res.headers.get('x-request-id'), json: (await res.json()) as any };
}

/** A request written byte for byte on a socket (fetch refuses to send the hostile headers tested here); its status and X-Request-Id. */
function rawRequest(port: number, headerBytes: Buffer): Promise<{ status: number; id: string | null }> {
  return new Promise((resolve, reject) => {
    const body = '{"query":"{ __typename }"}';
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        Buffer.concat([
          Buffer.from(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`),
          headerBytes,
          Buffer.from(`\r\n${body}`),
        ]),
      );
    });
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
      const id = /^x-request-id: (.*)$/im.exec(response)?.[1]?.trim() ?? null;
      resolve({ status, id });
    });
  });
}

describe('request logs', () => {
  let t: Awaited<ReturnType<typeof loggedServer>>;
  beforeAll(async () => {
    t = await loggedServer();
  });
  afterAll(() => t?.server.stop());

  it('writes one JSON line per GraphQL request: request id, operation, duration, SQL statements and time, caller, outcome', async () => {
    const res = await post(t.server, { query: 'query CityModels { models(first: 3) { edges { node { name leadOrganisation { name } } } } }' });
    expect(res.status).toBe(200);
    expect(res.id).toMatch(UUID);
    const line = await t.lineOf(res.id!);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'graphql request',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'CityModels',
      outcome: 'ok',
      sub: 'test-admin',
    });
    expect(line.codes).toBeUndefined();
    expect(line.statements).toBe(res.json.extensions.sqlStatements);
    expect(line.statements).toBeGreaterThan(0);
    expect(line.sqlMs).toBeGreaterThan(0);
    expect(line.ms).toBeGreaterThanOrEqual(line.sqlMs / line.statements);
    expect(typeof line.time).toBe('string');
    // One line for the request, whatever it resolved.
    expect(t.lines().filter((l) => l.requestId === res.id)).toHaveLength(1);
  });

  it('names the codes of errors, and tells a partial result from a failed one; every error carries the request id', async () => {
    const failed = await post(t.server, { query: 'query Broken { models(first: 1) { nope } }' });
    expect(failed.json.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', requestId: failed.id });
    expect(await t.lineOf(failed.id!)).toMatchObject({ operationName: 'Broken', outcome: 'error', codes: ['GRAPHQL_VALIDATION_FAILED'] });

    // An unknown period is NOT_FOUND on the period figures alone: the rest of the summary answers.
    const partial = await post(t.server, { query: 'query Half { summary(period: "1999-H9") { totalModels startedInPeriod replicatedInPeriod } }' });
    expect(partial.json.data.summary.totalModels).toBeGreaterThan(0);
    expect(partial.json.errors).toHaveLength(2);
    for (const error of partial.json.errors) expect(error.extensions).toMatchObject({ code: 'NOT_FOUND', requestId: partial.id });
    expect(await t.lineOf(partial.id!)).toMatchObject({ operationName: 'Half', outcome: 'partial', codes: ['NOT_FOUND'] });

    const anonymous = await post(
      t.server,
      { query: 'mutation Nope { archiveModel(input: { id: "00000000-0000-4000-8000-000000000000", version: 1 }) { id } }' },
      { authorization: '' },
    );
    const line = await t.lineOf(anonymous.id!);
    expect(line.sub).toBeUndefined();
    expect(line.codes).toEqual([anonymous.json.errors[0].extensions.code]);
  });

  it('honours a plain incoming X-Request-Id, on the response, the line and the errors', async () => {
    const res = await post(t.server, { query: '{ nope }' }, { 'x-request-id': 'router-7f3a.42:trace_1' });
    expect(res.id).toBe('router-7f3a.42:trace_1');
    expect(res.json.errors[0].extensions.requestId).toBe('router-7f3a.42:trace_1');
    expect(await t.lineOf('router-7f3a.42:trace_1')).toMatchObject({ status: 400, outcome: 'error' });
  });

  it('replaces a hostile X-Request-Id (too long, a newline, non-ASCII, markup) with a generated one, never echoing it', async () => {
    const hostile: Array<[string, Buffer]> = [
      ['too long', Buffer.from(`X-Request-Id: ${'a'.repeat(129)}\r\n`)],
      ['non-ASCII', Buffer.concat([Buffer.from('X-Request-Id: caf'), Buffer.from([0xe9]), Buffer.from('\r\n')])],
      ['UTF-8', Buffer.from('X-Request-Id: Dân-vận\r\n', 'utf8')],
      ['markup', Buffer.from('X-Request-Id: <script>alert(1)</script>\r\n')],
      ['spaces and quotes', Buffer.from('X-Request-Id: a b "c"\r\n')],
      ['two ids', Buffer.from('X-Request-Id: one\r\nX-Request-Id: two\r\n')],
      ['empty', Buffer.from('X-Request-Id: \r\n')],
    ];
    for (const [what, bytes] of hostile) {
      const res = await rawRequest(t.server.port, bytes);
      expect({ what, status: res.status }).toEqual({ what, status: 200 });
      expect({ what, id: res.id }).toEqual({ what, id: expect.stringMatching(UUID) });
      await t.lineOf(res.id!);
    }
    // A newline cannot get into a header value: HTTP ends the header there. What follows it on
    // the same "line" is a header of its own (or a malformed request that Node refuses itself).
    const split = await rawRequest(t.server.port, Buffer.from('X-Request-Id: ok-id\nX-Injected: yes\r\n'));
    if (split.status === 200) expect(split.id).toBe('ok-id');
    else expect(split.status).toBe(400);
    const a128 = await post(t.server, { query: '{ __typename }' }, { 'x-request-id': 'a'.repeat(128) });
    expect(a128.id).toBe('a'.repeat(128));
  });

  it('returns X-Request-Id on probes, 413, malformed JSON and GET requests; probes are not logged at info', async () => {
    const healthz = await fetch(t.server.url.replace('/graphql', '/healthz'), { headers: { 'x-request-id': 'probe-1' } });
    expect(healthz.headers.get('x-request-id')).toBe('probe-1');
    const readyz = await fetch(t.server.url.replace('/graphql', '/readyz'));
    expect(readyz.headers.get('x-request-id')).toMatch(UUID);

    const tooLarge = await post(t.server, JSON.stringify({ query: `{ __typename } # ${'x'.repeat(1_100_000)}` }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.id).toMatch(UUID);
    expect(tooLarge.json.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', requestId: tooLarge.id });
    expect(await t.lineOf(tooLarge.id!)).toMatchObject({ status: 413, outcome: 'error', codes: ['BAD_REQUEST'] });

    const malformed = await post(t.server, '{"query": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.errors[0].extensions.requestId).toBe(malformed.id);

    const get = await fetch(`${t.server.url}?query=${encodeURIComponent('query ViaGet { __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    const id = get.headers.get('x-request-id')!;
    expect(await t.lineOf(id)).toMatchObject({ method: 'GET', path: '/graphql', operationName: 'ViaGet', outcome: 'ok' });

    await sleep(100);
    expect(t.lines().filter((l) => l.requestId === 'probe-1')).toEqual([]);
    expect(t.lines().filter((l) => typeof l.path === 'string' && /healthz|readyz/.test(l.path))).toEqual([]);
  });

  it('gives each WebSocket connection and subscription a request id, in its log lines and its errors', async () => {
    const token = (t.server.adminHeaders.authorization ?? '').replace('Bearer ', '');
    const client = wsClient(t.server, { authorization: `Bearer ${token}` });
    try {
      const live = new Subscription(client, 'subscription Follow { changes { cursor } }');
      const started = await waitFor(() => t.lines().find((l) => l.msg === 'subscription started' && l.operationName === 'Follow'));
      expect(started.requestId).toMatch(new RegExp(`^${started.connectionId}:`));
      expect(started.sub).toBe('test-admin');
      expect(t.lines().find((l) => l.msg === 'websocket connected' && l.requestId === started.connectionId)).toMatchObject({ sub: 'test-admin' });
      const refused = new Subscription(client, 'subscription Bad { changes { nope } }');
      await refused.until((s) => s.done);
      const error = (refused.error as Array<{ extensions: Record<string, unknown> }>)[0];
      expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(String(error.extensions.requestId)).toMatch(new RegExp(`^${started.connectionId}:`));
      expect(await waitFor(() => t.lines().find((l) => l.msg === 'subscription refused' && l.requestId === error.extensions.requestId))).toMatchObject({
        operationName: 'Bad',
        codes: ['GRAPHQL_VALIDATION_FAILED'],
      });
      await live.until(() => true);
    } finally {
      await client.dispose();
    }
  });

  it('keeps a plain X-Request-Id of the WebSocket upgrade as the connection id, and returns it on the upgrade response', async () => {
    const socket = new WebSocket(t.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { 'x-request-id': 'router-ws-1' } });
    const opened = new Promise((resolve) => socket.once('open', resolve));
    try {
      const upgraded = await new Promise<string | undefined>((resolve, reject) => {
        socket.once('upgrade', (res) => resolve(res.headers['x-request-id'] as string | undefined));
        socket.once('error', reject);
      });
      expect(upgraded).toBe('router-ws-1');
      await opened;
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      expect(await waitFor(() => t.lines().find((l) => l.msg === 'websocket connected' && l.requestId === 'router-ws-1'))).toBeTruthy();
    } finally {
      socket.close();
    }
    const hostile = new WebSocket(t.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { 'x-request-id': 'x'.repeat(200) } });
    try {
      const id = await new Promise<string | undefined>((resolve, reject) => {
        hostile.once('upgrade', (res) => resolve(res.headers['x-request-id'] as string | undefined));
        hostile.once('error', reject);
      });
      expect(id).toMatch(UUID);
    } finally {
      hostile.close();
    }
  });
});

/** Polls `find` until it returns something, or fails after 2 s. */
async function waitFor<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i += 1) {
    const found = find();
    if (found) return found;
    await sleep(20);
  }
  throw new Error('not logged within 2 s');
}

describe('secrets stay out of the logs', () => {
  it('logs no token, no JWT secret, no cookie, no secret-looking variable or query parameter, whatever is sent', async () => {
    const t = await loggedServer({ rateLimitPoints: 3, logLevel: 'trace', logSql: true });
    try {
      const token = t.server.adminHeaders.authorization.replace('Bearer ', '');
      const sent = [
        await post(t.server, {
          query: 'query Secretive($password: String) { models(first: 1, filter: { search: $password }) { totalCount } }',
          variables: { password: SECRET_VALUE, token: SECRET_VALUE, apiSecret: SECRET_VALUE },
        }),
        await post(t.server, { query: '{ models(first: 1) { totalCount } }' }, { cookie: `session=${SECRET_VALUE}`, 'x-api-token': SECRET_VALUE }),
      ];
      const get = await fetch(`${t.server.url}?query=${encodeURIComponent('{ __typename }')}&token=${SECRET_VALUE}&access_token=${token}`, {
        headers: { ...t.server.adminHeaders, 'apollo-require-preflight': 'true' },
      });
      const limited = await post(t.server, { query: '{ __typename }', variables: { secret: SECRET_VALUE } }); // the 4th: over the budget
      expect(limited.status).toBe(429);
      expect(limited.id).toMatch(UUID);
      expect(limited.json.errors[0].extensions.requestId).toBe(limited.id);
      const client = wsClient(t.server, { authorization: `Bearer ${token}`, password: SECRET_VALUE, apiKey: SECRET_VALUE });
      const refused = new Subscription(client, 'subscription Watch { changes { cursor } }');
      await refused.until((s) => s.done);
      await client.dispose();

      const lines = [...sent.map((r) => r.id!), get.headers.get('x-request-id')!, limited.id!].map((id) => t.lineOf(id));
      expect((await lines[0]).operationName).toBe('Secretive');
      expect((await lines[1]).sub).toBe('test-admin');
      expect((await lines[3]).codes).toEqual(['RATE_LIMITED']);
      await Promise.all(lines);
      await waitFor(() => t.lines().find((l) => l.msg === 'subscription refused'));
      const everything = t.raw.join('');
      expect(everything.length).toBeGreaterThan(0);
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.split('.')[2]); // not even the signature alone
      expect(everything).not.toContain(TEST_JWT_SECRET);
      expect(everything).not.toContain(SECRET_VALUE);
      expect(everything).not.toMatch(/authorization|cookie/i);
    } finally {
      await t.server.stop();
    }
  });
});

describe('the redaction under whatever else is logged', () => {
  it('hides credentials in headers, connection_init parameters, variables and the configuration; DATABASE_URL loses its password', () => {
    const raw: string[] = [];
    const log = createLogger({ logLevel: 'info', logPretty: false, logDestination: { write: (line: string) => raw.push(line) } });
    const config = loadConfig({
      DATABASE_URL: `postgres://dvk:${SECRET_VALUE}@db.internal:5432/dvk`,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: `redis://:${SECRET_VALUE}@redis:6379`,
    });
    log.info({ config }, 'configuration');
    log.info({ req: { headers: { authorization: `Bearer ${SECRET_VALUE}`, cookie: `s=${SECRET_VALUE}`, host: 'example' } } }, 'upgrade');
    log.info({ connectionParams: { authorization: `Bearer ${SECRET_VALUE}` }, variables: { password: SECRET_VALUE } }, 'init');
    log.info({ payload: { token: SECRET_VALUE, password: SECRET_VALUE, secret: SECRET_VALUE } }, 'payload');
    const text = raw.join('');
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain(TEST_JWT_SECRET);
    expect(text).toContain('"host":"example"');
    expect(JSON.parse(raw[0]).config.auth.jwtSecret).toBe('[redacted]');
    expect(withoutPassword(config.databaseUrl)).toBe('postgres://dvk:***@db.internal:5432/dvk');
    expect(withoutPassword('postgres://dvk@db.internal/dvk')).toBe('postgres://dvk@db.internal/dvk');
  });

  it('refuses an unknown LOG_LEVEL in one line', () => {
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "loud"\.$/);
    expect(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET }).logPretty).toBe(false);
  });
});
