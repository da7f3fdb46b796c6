import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { embeddedDataDir, entryPointCommand } from '../helpers/entry-point';
import { freePort, TEST_JWT_SECRET } from '../helpers/basics';

/*
 * Tracing end to end: the real entry point (src/main.ts, as deployed) in a child process, with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP receiver in this test. The http,
 * express and pg instrumentations patch modules as Node's require loads them, which Jest's own
 * module registry does not go through, so they are only seen working in a process of their own
 * (the in-process parts, with the SDK's in-memory exporter: tracing-spans.part.ts, in events.test.ts).
 */
const ROOT = path.resolve(__dirname, '..', '..');

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  scope: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

type OtlpAttributes = Array<{ key: string; value: Record<string, unknown> }>;
const attributesOf = (list: OtlpAttributes | undefined) => Object.fromEntries((list ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));

/** An OTLP/HTTP receiver (JSON, as exporter-trace-otlp-http sends it) keeping every span it is sent. */
async function otlpReceiver(): Promise<{ url: string; spans: ExportedSpan[]; contentTypes: Set<string>; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const contentTypes = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      contentTypes.add(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const sent = JSON.parse(body) as {
        resourceSpans: Array<{
          resource: { attributes: OtlpAttributes };
          scopeSpans: Array<{
            scope: { name: string };
            spans: Array<Omit<ExportedSpan, 'attributes' | 'scope' | 'resource'> & { attributes: OtlpAttributes }>;
          }>;
        }>;
      };
      for (const resourceSpans of sent.resourceSpans)
        for (const { scope, spans: list } of resourceSpans.scopeSpans)
          for (const span of list)
            spans.push({ ...span, scope: scope.name, attributes: attributesOf(span.attributes), resource: attributesOf(resourceSpans.resource.attributes) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, spans, contentTypes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Writes, when the process exits, every module it loaded whose path names @opentelemetry. */
function loadedModulesProbe(dir: string): { preload: string; report: string } {
  const preload = path.join(dir, 'probe.js');
  const report = path.join(dir, 'loaded.json');
  fs.writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('@opentelemetry')))));`,
  );
  return { preload, report };
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts the entry point with `env`; resolves once it is ready. */
async function startEntryPoint(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const [node, ...args] = entryPointCommand();
  const child = spawn(node, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      // Embedded: a copy of the suite's data folder, migrated (and seeded, unless SEED_DEMO=false).
      DATA_DIR: process.env.DATABASE_URL ? 'memory://' : embeddedDataDir(env.SEED_DEMO === 'false' ? 'migrated' : 'seeded'),
      // The demo data (idempotent on the suite's PostgreSQL, where every test server seeds it too).
      SEED_DEMO: 'true',
      RUN_MIGRATIONS: process.env.DATABASE_URL ? 'false' : 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 90_000;
  while (!/ready at/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** A query whose nested fields are resolved through DataLoaders: one statement per batch. */
// The lead with a timestamp goes through its DataLoader (without one, the model page brings it along).
const NESTED = `query NestedModels {
  models(first: 3, orderBy: { field: NAME, direction: ASC }) {
    edges { node { name leadOrganisation { name createdAt } organisations { role organisation { name } } } }
  }
}`;

/** As the Router sends it: the request continues this trace (W3C trace context). */
const ROUTER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROUTER_SPAN_ID = '00f067aa0ba902b7';

describe('OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let probeDir: string;
  /**
   * The @opentelemetry modules the traced entry point of the first test loaded (it runs with the
   * probe): the control of the second test, which so needs no traced child of its own (a start
   * of the entry point is 2.5-3 s of CPU). Unset when the first test did not run (-t).
   */
  let loadedWhenTraced: string[] | undefined;
  beforeAll(async () => {
    receiver = await otlpReceiver();
    probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-tracing-probe-'));
  });
  afterAll(async () => {
    await receiver.close();
    fs.rmSync(probeDir, { recursive: true, force: true });
  });

  it('exports the span tree of one request: HTTP → GraphQL operation → root field / DataLoader batch → pg, in one trace', async () => {
    const probe = loadedModulesProbe(fs.mkdtempSync(path.join(probeDir, 'on-')));
    const { child, base } = await startEntryPoint(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'dvk-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['-r', probe.preload],
    );
    // Not traced: probes would only be noise.
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${ROUTER_TRACE_ID}-${ROUTER_SPAN_ID}-01` },
      body: JSON.stringify({ query: NESTED, operationName: 'NestedModels' }),
    });
    const body = (await res.json()) as { data?: { models: { edges: Array<{ node: { organisations: unknown[] } }> } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.models.edges).toHaveLength(3);
    // A GET's document and variables are not copied into the HTTP span (url.query).
    const secret = 'a-search-nobody-else-should-read';
    const get = new URLSearchParams({
      query: 'query ($s: String) { models(first: 1, filter: { search: $s }) { totalCount } }',
      variables: JSON.stringify({ s: secret }),
    });
    const viaGet = await fetch(`${base}/graphql?${get}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(((await viaGet.json()) as { errors?: unknown }).errors).toBeUndefined();
    // The spans still buffered are sent at shutdown.
    expect(await stop(child)).toBe(0);
    loadedWhenTraced = JSON.parse(fs.readFileSync(probe.report, 'utf8')) as string[];
    expect(JSON.stringify(receiver.spans)).not.toContain(secret);
    const getSpan = receiver.spans.find((span) => span.attributes['http.request.method'] === 'GET');
    expect(getSpan?.attributes['url.query']).toMatch(/query=REDACTED&variables=REDACTED/);
    receiver.spans.splice(receiver.spans.indexOf(getSpan as ExportedSpan), 1);
    const getTrace = getSpan?.traceId;
    for (let at = receiver.spans.findIndex((span) => span.traceId === getTrace); at !== -1; at = receiver.spans.findIndex((span) => span.traceId === getTrace))
      receiver.spans.splice(at, 1);

    const spans = receiver.spans;
    expect(receiver.contentTypes).toEqual(new Set(['POST /v1/traces application/json']));
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ExportedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    // Every span belongs to the request's trace, the one the caller sent: nothing else was traced.
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([ROUTER_TRACE_ID]));
    expect(spans.every((span) => span.resource['service.name'] === 'dvk-under-test')).toBe(true);

    const httpSpans = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-http');
    expect(httpSpans.map((span) => [span.name, span.parentSpanId])).toEqual([['POST /graphql', ROUTER_SPAN_ID]]);
    const [operation, ...otherOperations] = spans.filter((span) => span.name === 'query NestedModels');
    expect(otherOperations).toEqual([]);
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'NestedModels' });
    expect(parentOf(operation)).toBe(httpSpans[0]);

    const rootField = spans.find((span) => span.name === 'Query.models');
    expect(rootField && parentOf(rootField)).toBe(operation);
    const batches = spans.filter((span) => span.name.startsWith('dataloader '));
    expect(batches.map((span) => span.name).sort()).toEqual([
      'dataloader leadOrganisationByModelId',
      'dataloader organisationById',
      'dataloader organisationsByModelId',
    ]);
    for (const batch of batches) expect(parentOf(batch)).toBe(operation);
    // One batch for the three models' lead organisations, not one load per parent.
    expect(batches.find((span) => span.name === 'dataloader leadOrganisationByModelId')?.attributes['dataloader.batch.size']).toBe(3);

    // Every statement is a pg span under the span that asked for it: the root field or a batch.
    const queries = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-pg' && span.name.startsWith('pg.query'));
    expect(queries.length).toBeGreaterThanOrEqual(1 + batches.length);
    for (const query of queries) expect([rootField, ...batches]).toContain(parentOf(query));
    for (const owner of [rootField, ...batches]) expect(queries.some((query) => parentOf(query) === owner)).toBe(true);
    expect(
      queries.every((query) => typeof query.attributes['db.query.text'] === 'string' && /^\s*SELECT/i.test(String(query.attributes['db.query.text']))),
    ).toBe(true);
  }, 150_000);

  it('loads no OpenTelemetry SDK, exporter or instrumentation when the endpoint is unset', async () => {
    const probe = loadedModulesProbe(fs.mkdtempSync(path.join(probeDir, 'off-')));
    const { child, base } = await startEntryPoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', SEED_DEMO: 'false' }, [
      '-r',
      probe.preload,
    ]);
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: NESTED }) });
    expect(res.status).toBe(200);
    expect(await stop(child)).toBe(0);
    // Only the API may be there: prom-client (the metrics) requires it for exemplars, and without an
    // SDK registered every call into it is a no-op. No SDK, no exporter, no module patched.
    const loaded = JSON.parse(fs.readFileSync(probe.report, 'utf8')) as string[];
    expect(loaded.filter((file) => !file.includes('/node_modules/@opentelemetry/api/'))).toEqual([]);
    // The probe works: with tracing on, the same list is not empty (the first test's traced
    // entry point ran with the same probe; without that test, a traced one is started here).
    if (!loadedWhenTraced) {
      const on = await startEntryPoint({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SEED_DEMO: 'false' }, ['-r', probe.preload]);
      expect(await stop(on.child)).toBe(0);
      loadedWhenTraced = JSON.parse(fs.readFileSync(probe.report, 'utf8')) as string[];
    }
    expect(loadedWhenTraced.length).toBeGreaterThan(0);
  }, 200_000);

  it('refuses to start on an endpoint that is not an http(s) URL, with one line', async () => {
    const [node, ...args] = entryPointCommand();
    const child = spawn(node, args, {
      cwd: ROOT,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^Configuration error: OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
