import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../src/app/tracing';
import { installTracingHooks, type TracingHooks } from '../../src/app/tracing-hooks';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * The spans of our own, in process, with the SDK's in-memory exporter: the GraphQL operation, the
 * root fields and the DataLoader batches, on graphql-jit and on graphql-js, and their parentage
 * when requests run at once. (Jest's module registry does not go through Node's require hooks, so
 * the http, express and pg instrumentations are left out here; tracing.test.ts sees them in the
 * real entry point.)
 */
const exporter = new InMemorySpanExporter();
let tracing: TracingHooks;
let previous: TracingHooks;
let server: TestServer;

beforeAll(async () => {
  tracing = startTracing({
    endpoint: 'http://127.0.0.1:9/unused',
    serviceName: 'dvk-in-process',
    spanProcessor: new SimpleSpanProcessor(exporter),
    instrument: false,
  });
  previous = installTracingHooks(tracing);
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  installTracingHooks(previous);
  await tracing?.shutdown();
});
beforeEach(() => exporter.reset());

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentIdOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The operation span named `name`, and every span below it. */
function treeOf(name: string): { operation: ReadableSpan; below: ReadableSpan[] } {
  const spans = exporter.getFinishedSpans();
  const operations = spans.filter((span) => span.name === name);
  expect(operations).toHaveLength(1);
  const [operation] = operations;
  const below: ReadableSpan[] = [];
  const visit = (id: string) => {
    for (const span of spans.filter((s) => parentIdOf(s) === id)) {
      below.push(span);
      visit(idOf(span));
    }
  };
  visit(idOf(operation));
  return { operation, below };
}

// The lead with a timestamp goes through its DataLoader (without one, the model page brings it along).
const NESTED = (name: string, first: number) => `query ${name} {
  models(first: ${first}, orderBy: { field: NAME, direction: ASC }) { edges { node { name leadOrganisation { name createdAt } } } }
  organisations(first: 2, orderBy: { field: NAME, direction: ASC }) { edges { node { name children(first: 2) { edges { node { name } } } } } }
}`;

describe('spans of GraphQL operations, root fields and DataLoader batches (in-memory exporter)', () => {
  it('gives each of two requests running at once its own tree: every batch under its own operation', async () => {
    const [a, b] = await Promise.all([server.gql(NESTED('First', 3)), server.gql(NESTED('Second', 5))]);
    expect(a.errors ?? b.errors).toBeUndefined();
    const first = treeOf('query First');
    const second = treeOf('query Second');
    expect(first.operation.spanContext().traceId).not.toBe(second.operation.spanContext().traceId);
    for (const [tree, size] of [
      [first, 3],
      [second, 5],
    ] as const) {
      expect(tree.operation.attributes).toMatchObject({ 'graphql.operation.type': 'query', 'graphql.operation.name': tree === first ? 'First' : 'Second' });
      // Root fields and batches are children of the operation, all in its trace.
      expect(tree.below.map((span) => span.name).sort()).toEqual([
        'Query.models',
        'Query.organisations',
        'dataloader leadOrganisationByModelId',
        'dataloader organisation.children',
      ]);
      for (const span of tree.below) {
        expect(parentIdOf(span)).toBe(idOf(tree.operation));
        expect(span.spanContext().traceId).toBe(tree.operation.spanContext().traceId);
      }
      // The batch holds this request's parents only.
      expect(tree.below.find((span) => span.name === 'dataloader leadOrganisationByModelId')?.attributes['dataloader.batch.size']).toBe(size);
      expect(tree.below.find((span) => span.name === 'dataloader organisation.children')?.attributes['dataloader.batch.size']).toBe(2);
    }
  });

  it('traces an operation run on graphql-js (a federated trace was asked for) the same way', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-federation-include-trace': 'ftv1' },
      body: JSON.stringify({ query: NESTED('Interpreted', 2) }),
    });
    expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    const tree = treeOf('query Interpreted');
    expect(tree.below.map((span) => span.name).sort()).toEqual([
      'Query.models',
      'Query.organisations',
      'dataloader leadOrganisationByModelId',
      'dataloader organisation.children',
    ]);
  });

  it('marks an operation whose fields failed with their error codes, never their messages', async () => {
    const res = await server.gql(
      'query Missing { organisation(id: "00000000-0000-4000-8000-000000000000") { name } summary(period: "1999-H9") { totalModels startedInPeriod } }',
    );
    const codes = (res.errors ?? []).map((error: { extensions?: { code?: string } }) => error.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    const { operation, below } = treeOf('query Missing');
    expect(operation.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation.attributes['graphql.error.codes']).toEqual([...new Set(codes)]);
    expect(operation.attributes['graphql.errors.count']).toBe(codes.length);
    expect(JSON.stringify(operation.attributes)).not.toContain('1999-H9');
    expect(below.map((span) => span.name)).toContain('Query.organisation');
  });

  it('traces a mutation and its root field', async () => {
    const res = await server.gql('mutation Rename($id: ID!) { archiveOrganisation(input: { id: $id, version: 999999 }) { id } }', {
      id: '00000000-0000-4000-8000-000000000000',
    });
    expect(res.errors?.length).toBeGreaterThan(0);
    const { operation, below } = treeOf('mutation Rename');
    expect(operation.attributes['graphql.operation.type']).toBe('mutation');
    expect(below.map((span) => span.name)).toEqual(['Mutation.archiveOrganisation']);
  });
});
