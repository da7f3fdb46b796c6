import type { IncomingMessage } from 'node:http';
import { SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { GatewayExecutor } from '@apollo/server-gateway-interface';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { GraphQLFieldResolver, GraphQLSchema, ResponsePath } from 'graphql';
import type { TracingConfig } from '../shared/config';
import type { JitGateway } from '../shared/jit-executor';
import { wrapBatches, type Batch } from '../shared/loaders';
import type { TracingHooks } from './tracing-hooks';

/*
 * OpenTelemetry tracing, loaded only when it is on (tracing-boot.ts). One request gives
 *
 *   POST /graphql                         HTTP server span (instrumentation-http; the route from instrumentation-express)
 *   └─ query NestedModels                 the GraphQL operation: type and name (graphql-jit and graphql-js alike)
 *      ├─ Query.models                    a root field (Query, Mutation): each calls a service that runs SQL
 *      │  ├─ pg-pool.connect              waiting for a pool connection (instrumentation-pg)
 *      │  └─ pg.query:SELECT dvk          a statement (instrumentation-pg)
 *      └─ dataloader leadOrganisationByModelId   one DataLoader batch: one SQL statement for many parents
 *         └─ pg.query:SELECT dvk
 *
 * instrumentation-graphql is not used: it wraps graphql-js's execute(), which graphql-jit does not
 * call, so it would see only the few operations that run on graphql-js (ftv1, JIT_MAX_FIELDS).
 * A batch span's parent is the context of the first `load()` of the batch (DataLoader dispatches
 * on a later tick, and AsyncLocalStorage carries the context there): the operation, or the root
 * field that loaded. Spans of our own are made only under a span (a traced request): the
 * change-log listener, the subscriptions' events and migrations do not start traces of their own.
 */

const TRACER = 'dan-van-kheo-graph';

export interface TracingOptions extends TracingConfig {
  endpoint: string;
  /** Instead of the OTLP exporter (tests: an in-memory exporter). */
  spanProcessor?: SpanProcessor;
  /** Register the http, express and pg instrumentations (default true; tests in jest cannot patch modules). */
  instrument?: boolean;
}

/** Paths that are traced: the API. Probes, /metrics and the IDE's assets would only be noise. */
function ignoredRequest(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return !url.startsWith('/graphql') || url.startsWith('/graphql/ide/');
}

export function startTracing(options: TracingOptions): TracingHooks {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName, 'process.pid': process.pid }).merge(
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
    detectResources({ detectors: [envDetector] }),
  );
  const spanProcessor = options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // W3C trace context and baggage: a traceparent from the Router or Gateway continues its trace.
  provider.register();
  if (options.instrument !== false) {
    registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new HttpInstrumentation({
          ignoreIncomingRequestHook: ignoredRequest,
          // A GET's document and variables (what the caller searched for, ids) stay out of url.query.
          redactedQueryParamsServer: ['query', 'variables', 'extensions'],
          requireParentforOutgoingSpans: true,
        }),
        // No spans of its own (every layer ignored): it names the HTTP span after the route.
        new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.ROUTER, ExpressLayerType.MIDDLEWARE, ExpressLayerType.REQUEST_HANDLER] }),
        // Statement text (parameters never), only inside a traced request.
        new PgInstrumentation({ requireParentSpan: true }),
      ],
    });
  }
  const tracer = provider.getTracer(TRACER);
  return {
    gateway: (gateway) => traceGateway(tracer, gateway),
    loaders: (loaders) => traceLoaders(tracer, loaders),
    shutdown: () => provider.shutdown(),
  };
}

/** Ends `span` when `work` is done (a value or a promise), with an error status if it failed. */
function settle<T>(span: Span, work: () => T): T {
  const failed = (error: unknown) => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
  };
  let result: T;
  try {
    result = work();
  } catch (error) {
    failed(error);
    throw error;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    (result as unknown as PromiseLike<unknown>).then(() => span.end(), failed);
  } else span.end();
  return result;
}

/** The gateway with each execution in a span of the operation, and the root fields' resolvers traced. */
function traceGateway(tracer: Tracer, gateway: JitGateway): JitGateway {
  return {
    get compiledDocuments() {
      return gateway.compiledDocuments;
    },
    get compiledCache() {
      return gateway.compiledCache;
    },
    onSchemaLoadOrUpdate: (listener) => gateway.onSchemaLoadOrUpdate(listener),
    stop: () => gateway.stop(),
    async load(options) {
      // The schema comes to the listeners (Apollo's among them) during load(): its root fields are traced then.
      const unsubscribe = gateway.onSchemaLoadOrUpdate(({ apiSchema }) => traceRootFields(tracer, apiSchema));
      try {
        const loaded = await gateway.load(options);
        return { ...loaded, executor: loaded.executor && traceExecutor(tracer, loaded.executor) };
      } finally {
        unsubscribe();
      }
    },
  };
}

function traceExecutor(tracer: Tracer, executor: GatewayExecutor): GatewayExecutor {
  return (request) => {
    const type = request.operation?.operation ?? 'query';
    const name = request.operationName ?? request.operation?.name?.value;
    const attributes: Attributes = { 'graphql.operation.type': type };
    if (name) attributes['graphql.operation.name'] = name;
    return tracer.startActiveSpan(name ? `${type} ${name}` : type, { attributes }, async (span) => {
      try {
        const result = await executor(request);
        if (result.errors?.length) {
          // Codes only, never messages: a message may carry what the caller sent.
          const codes = [...new Set(result.errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          span.setAttributes({ 'graphql.errors.count': result.errors.length, 'graphql.error.codes': codes });
          span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
        }
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}

const TRACED = Symbol('traced');

function pathOf(path: ResponsePath | undefined): string {
  const parts: Array<string | number> = [];
  for (let at = path; at; at = at.prev) parts.unshift(at.key);
  return parts.join('.');
}

/**
 * Every root field of Query and Mutation (each calls a service that runs SQL) gets a span, named
 * `Query.models`. Nested fields go through DataLoaders, traced per batch instead of per parent.
 */
function traceRootFields(tracer: Tracer, schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const resolve = field.resolve as (GraphQLFieldResolver<unknown, unknown> & { [TRACED]?: true }) | undefined;
      if (!type || !resolve || resolve[TRACED] || field.name === '_service') continue;
      const spanName = `${type.name}.${field.name}`;
      const traced: GraphQLFieldResolver<unknown, unknown> & { [TRACED]?: true } = function (this: unknown, source, args, ctx, info) {
        if (!trace.getActiveSpan()) return resolve.call(this, source, args, ctx, info);
        const attributes = { 'graphql.field.name': field.name, 'graphql.field.path': pathOf(info.path) };
        return tracer.startActiveSpan(spanName, { attributes }, (span) => settle(span, () => resolve.call(this, source, args, ctx, info)));
      };
      traced[TRACED] = true;
      field.resolve = traced;
    }
  }
}

function tracedBatch(tracer: Tracer, name: string, batch: Batch): Batch {
  return function (this: unknown, keys) {
    if (!trace.getActiveSpan()) return batch.call(this, keys);
    const attributes = { 'dataloader.name': name, 'dataloader.batch.size': keys.length };
    return tracer.startActiveSpan(`dataloader ${name}`, { attributes }, (span) => settle(span, () => batch.call(this, keys)));
  };
}

/** Each of the request's DataLoaders, and each nested-list loader `pages` makes, traced per batch. */
function traceLoaders<L extends object>(tracer: Tracer, loaders: L): L {
  return wrapBatches(loaders, (name, batch) => tracedBatch(tracer, name, batch));
}
