import type { ApolloServer, BaseContext } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import http from 'node:http';
import cors from 'cors';
import express from 'express';
import type { Database } from '../db/data-source';
import { deadlineScope, requestScope, Semaphore } from '../db/request-scope';
import type { EventHub } from '../events/event-hub';
import { mountIde } from '../ide/ide';
import type { Authenticator } from '../shared/auth';
import type { Config } from '../shared/config';
import { loggerFor } from '../shared/logger';
import { utf8Bytes } from '../shared/text';
import { MAX_REQUEST_BYTES } from '../shared/limits.plugin';
import type { Context } from './context';
import type { TrustedDocuments } from '../shared/trusted-documents';
import { rateLimitMiddleware, type CallerKey, type RateLimit } from './rate-limit';
import { READ_PRIMARY_HEADER } from './read-routing';
import { requestLogging, sendErrors } from './request-log';

/**
 * `http.createServer(app)`, with each request and response made from the start with the app's
 * prototypes (`req`'s and `res`'s methods), so that express's `Object.setPrototypeOf(req,
 * app.request)` in `app.handle` has nothing to change, and every request and response shares one
 * hidden class (V8 map) with the others.
 *
 * Why it matters: V8 gives an object whose prototype is changed after it was made, and an object
 * made by `Reflect.construct` with another function as `new.target`, a map of its own, and a new
 * map for each property added to it after. Those maps live in the old generation, so every
 * request's objects were kept through the young-generation collections that followed, copied and
 * promoted, until the next full collection. `node dist/bench/maps.js` counts the maps made per
 * request (none with this server), and `node dist/bench/survivors.js` measures the survivors
 * (bench/README.md, "Young-generation survivors").
 *
 * How: subclasses of IncomingMessage and ServerResponse, whose prototypes inherit from the app's,
 * and which become the app's `request` and `response` (express reads them from there). A
 * subclass's instances share their maps, as any class's do.
 */
export function expressHttpServer(app: express.Express): http.Server {
  class Request extends http.IncomingMessage {}
  class Response<R extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<R> {}
  Object.setPrototypeOf(Request.prototype, app.request);
  Object.setPrototypeOf(Response.prototype, app.response);
  app.request = Request.prototype as unknown as express.Request;
  app.response = Response.prototype as unknown as express.Response;
  return http.createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
}

export interface HttpParts {
  config: Config;
  db: Database;
  hub: EventHub;
  apollo: ApolloServer<Context & BaseContext>;
  /** Verifies the bearer token of a request (a refusal is an HTTP 401). */
  authenticator: Authenticator;
  /** The context of one request, for its caller. */
  context(actor: Context['actor']): Context;
  /** Open WebSocket connections, for /readyz. */
  webSocketConnections(): number;
  /** TRUSTED_DOCUMENTS: in `required` mode only the manifest's documents reach Apollo. */
  trusted?: TrustedDocuments;
  /** The per-caller rate limit (null: none) and how a request's caller is named. */
  rateLimit?: { limit: RateLimit | null; keyOf: CallerKey };
}

/**
 * CORS on /graphql (the `cors` package): preflights are answered, and Access-Control-Allow-Origin is
 * sent only to an origin of CORS_ORIGINS (`*`: any, and then never with credentials; the API
 * authenticates by header, not by cookie, so credentials are never allowed). Apollo's CSRF
 * prevention stays on: a simple cross-origin request without a preflight is still refused.
 */
function mountCors(app: express.Express, config: Config): void {
  const any = config.corsOrigins.includes('*');
  const allowed = new Set(config.corsOrigins);
  app.use(
    '/graphql',
    cors({
      origin: any ? '*' : (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      methods: ['GET', 'POST', 'OPTIONS'],
      credentials: false,
      // A browser client reads the request id (to quote it), and the read-your-writes header of a write to send it back.
      exposedHeaders: ['X-Request-Id', READ_PRIMARY_HEADER],
      maxAge: 600,
    }),
  );
}

/** RATE_LIMIT_POINTS per caller and window on /graphql (the IDE's page and assets are not counted). */
/**
 * The caller of a request, verified once before anything else looks at it (the rate limit keys on
 * its subject); a refusal is kept for the GraphQL context to raise, so it reaches the client as
 * Apollo formats every error.
 */
function identify(authenticator: Authenticator): express.RequestHandler {
  return (req, res, next) => {
    authenticator.callerOf(req.headers.authorization).then(
      (caller) => {
        res.locals.caller = caller;
        next();
      },
      (error: unknown) => {
        res.locals.callerError = error;
        next();
      },
    );
  };
}

/** GET /healthz (the process answers) and GET /readyz (it can reach its database, bounded). */
function mountProbes(app: express.Express, { config, db, hub, webSocketConnections }: HttpParts): void {
  const database = db.embedded ? 'embedded' : 'postgresql';
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // Bounded, so a frozen database or a pool full of other work answers 503 quickly, not never.
    const { scope, done } = deadlineScope(config.readyTimeoutMs, null, 'readiness check');
    try {
      await requestScope.run(scope, () => db.dataSource.query('SELECT 1'));
      const events = { listening: hub.listening, head: String(hub.head), liveSubscriptions: hub.liveSubscriptions };
      // Replicas down or lagging do not make the instance unready: its reads fall back to the primary.
      const replicas = db.replicas?.status();
      res.json({ status: 'ready', pid: process.pid, database, events, webSocketConnections: webSocketConnections(), ...(replicas ? { replicas } : {}) });
    } catch {
      res.status(503).json({ status: 'unavailable', database });
    } finally {
      done();
    }
  });
}

/**
 * POST (and GET) /graphql. Each request runs in its own store: its statement count, its share of
 * the pool (one request cannot hold more than DB_MAX_CONCURRENT_PER_REQUEST connections) and its
 * deadline (REQUEST_TIMEOUT_MS).
 */
/** TRUSTED_DOCUMENTS=required: a document (POST body or GET parameters) that is not trusted is refused with HTTP 400. */
function trustedOnly(trusted: TrustedDocuments | undefined): express.RequestHandler {
  return (req, res, next) => {
    if (!trusted || trusted.mode !== 'required') return next();
    const requests: unknown[] = req.method === 'GET' ? [req.query] : Array.isArray(req.body) ? req.body : [req.body];
    for (const request of requests) {
      const { query, extensions } = (request ?? {}) as { query?: unknown; extensions?: unknown };
      const refusal = trusted.refusalForRequest(query, extensions);
      if (refusal) {
        const { http: _http, ...extra } = refusal.extensions as Record<string, unknown>;
        sendErrors(res, 400, [{ message: refusal.message, extensions: extra }]);
        return;
      }
    }
    next();
  };
}

const expressSend = express.response.send;

/**
 * express's send, with a string body encoded by utf8Bytes (the same bytes, quicker for a long
 * answer) when its content-type already names UTF-8, as Apollo's does: the headers are then those
 * the string would have had, the same Content-Length and, for a GET, the same ETag. Any other body
 * goes to express as it came (a string there gets express's charset).
 */
function sendEncoded(this: express.Response, body?: unknown): express.Response {
  const type = typeof body === 'string' ? this.getHeader('content-type') : undefined;
  if (typeof type !== 'string' || !UTF8_TYPE.test(type)) return expressSend.call(this, body);
  // As express sets it for a string (the header's name as it writes it).
  this.setHeader('Content-Type', type);
  return expressSend.call(this, utf8Bytes(body as string));
}
const UTF8_TYPE = /;\s*charset=utf-8\s*(?:;|$)/i;

function mountGraphql(app: express.Express, { config, db, apollo, authenticator, context, trusted, rateLimit }: HttpParts): void {
  const bounded: express.RequestHandler = (_req, res, next) => {
    const slots = config.dbMaxConcurrentPerRequest < config.dbPoolSize && !db.embedded ? new Semaphore(config.dbMaxConcurrentPerRequest) : null;
    const { scope, done } = deadlineScope(config.requestTimeoutMs, slots);
    // For the request's log line (request-log.ts) and its errors' extensions.requestId.
    scope.requestId = res.locals.requestId as string | undefined;
    res.locals.requestScope = scope;
    res.once('close', done);
    requestScope.run(scope, next);
  };
  const limited: express.RequestHandler = rateLimit?.limit ? rateLimitMiddleware(rateLimit.limit, rateLimit.keyOf) : (_req, _res, next) => next();
  const contextOf = async ({ res }: { res: express.Response }): Promise<Context> => {
    if (res.locals.callerError) throw res.locals.callerError;
    return context((res.locals.caller as Context['actor'] | undefined) ?? null);
  };
  // Only GET and HEAD answers can be revalidated (304): a POST's ETag, a SHA-1 over each response
  // body that no client can use, is not computed (GET keeps express's ETag and its 304s).
  const unhashed = Object.create(app, {
    get: { value: (setting: string) => (setting === 'etag fn' ? undefined : app.get(setting)) },
  }) as express.Application;
  const withoutPostEtag: express.RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') res.app = unhashed;
    res.send = sendEncoded;
    next();
  };
  app.use(
    '/graphql',
    withoutPostEtag,
    bounded,
    identify(authenticator),
    limited,
    express.json({ limit: MAX_REQUEST_BYTES }),
    trustedOnly(trusted),
    expressMiddleware(apollo, { context: contextOf }),
  );
}

/** Body-parser failures (malformed JSON, over 1 MB) as GraphQL-shaped errors, never a stack. */
const bodyErrors: express.ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, next) => {
  if (res.headersSent) return next(error);
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
  const message =
    error.type === 'entity.too.large'
      ? `The request body is larger than ${MAX_REQUEST_BYTES / 1024 / 1024} MB.`
      : error.type === 'entity.parse.failed'
        ? 'The request body is not valid JSON.'
        : status === 500
          ? 'Internal server error.'
          : 'The request could not be read.';
  // Logged on the request's line (request-log.ts reads res.err), with its stack.
  if (status === 500) (res as express.Response & { err?: unknown }).err = error;
  sendErrors(res, status, [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }]);
};

/** The HTTP routes: probes, the offline IDE (browsers' GET /graphql), GraphQL, and body errors. */
export function mountRoutes(app: express.Express, parts: HttpParts): void {
  app.disable('x-powered-by');
  // First: every response, a probe's or a refusal's included, carries its X-Request-Id.
  app.use(requestLogging(loggerFor(parts.config)));
  mountProbes(app, parts);
  mountCors(app, parts.config);
  mountIde(app, parts.config); // browsers get the offline IDE on GET /graphql; other GETs fall through
  mountGraphql(app, parts);
  app.use(bodyErrors);
}
