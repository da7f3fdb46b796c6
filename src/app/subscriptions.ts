import type http from 'node:http';
import {
  GraphQLError,
  Kind,
  createSourceEventStream,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { LRUCache } from 'lru-cache';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Actor } from '../shared/actor';
import type { Authenticator } from '../shared/auth';
import type { Config } from '../shared/config';
import type { Subscriber } from '../shared/context';
import { BadUserInputError, SubscriberTooSlowError, TooManySubscriptionsError } from '../shared/errors';
import { noIntrospectionRule } from '../shared/introspection';
import { MAX_REQUEST_BYTES, operationLimits, type Limits } from '../shared/limits.plugin';
import { originAllowed } from '../shared/origins';
import { mapStream } from '../shared/streams';
import { translateDbError } from '../shared/transaction';
import type { TrustedDocuments } from '../shared/trusted-documents';
import type { Context } from './context';
import type { Loaders } from './loaders';
import type { CallerKey, RateLimit } from './rate-limit';
import type { BuiltSchema } from './schema';

/** WebSocket close code for a subscriber that fell behind: "try again later", which clients retry. */
export const TOO_SLOW_CLOSE_CODE = 1013;

/** What each connection keeps beside graphql-ws's socket and request: the caller. */
type ConnectionExtra = { actor?: Actor | null; rateKey?: string };

/** WebSocket close code of a refused connection_init (graphql-ws's Unauthorized); the reason says why. */
export const UNAUTHENTICATED_CLOSE_CODE = 4401;

/** The Authorization value a client sent on connection_init (`authorization: "Bearer …"` or `token`), or on the upgrade request. */
function authorizationOf(params: Record<string, unknown> | undefined, request: http.IncomingMessage): unknown {
  if (typeof params?.token === 'string') return params.token.trim() ? `Bearer ${params.token.trim()}` : '';
  return params?.authorization ?? params?.Authorization ?? request.headers.authorization;
}

/** Marks a result with the log id of its event (see onNext). */
const EVENT_ID = Symbol('eventId');

/**
 * Results kept for sharing, bounded by bytes: the key holds the whole subscription document and a
 * result may be a large selection, so a count alone would let a hostile subscriber pin gigabytes.
 * Beyond the bound the least recently used are dropped (and recomputed if asked for again).
 */
export const SHARED_RESULTS_MAX_BYTES = 32 * 1024 * 1024;
const SHARED_RESULTS_MAX_ENTRIES = 2_000;

/** Bytes a shared result holds, roughly: its key and its JSON (UTF-16 in memory, hence × 2). */
function resultBytes(key: string, result: ExecutionResult | null): number {
  return 2 * (key.length + (result ? JSON.stringify(result).length : 0)) + 256;
}

/**
 * What decides the result of executing one event for one subscription: the document, the
 * operation, the caller, and the variables used below the root field (the root field's own
 * arguments, such as `after` and `filter`, choose events but do not shape them).
 */
function resultKey(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  actor: string | null,
  query: string,
): string {
  const used = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      Variable(v) {
        used.add(v.name.value);
      },
    });
  for (const selection of operation.selectionSet.selections) if (selection.kind === Kind.FIELD && selection.selectionSet) collect(selection.selectionSet);
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) collect(def);
  const shaping = Object.fromEntries([...used].sort().map((name) => [name, variables?.[name]]));
  return JSON.stringify([query, operation.name?.value ?? null, actor, shaping]);
}

/**
 * Like graphql's `subscribe`, but a live event executed for many identical subscriptions is
 * executed once: a thousand partners on the same subscription cost one execution per event, and
 * each still gets its own copy on its own socket. Replayed events are per subscriber anyway.
 * With `loadersOf`, each event is executed with the DataLoaders of that event (fresh per event,
 * shared by every subscriber of it), never with loaders that outlive it.
 */
export function sharedSubscriber(maxBytes = SHARED_RESULTS_MAX_BYTES, loadersOf?: (event: object) => unknown) {
  const results = new LRUCache<string, Promise<ExecutionResult> | ExecutionResult>({ max: SHARED_RESULTS_MAX_ENTRIES, maxSize: maxBytes });
  const ids = new WeakMap<object, number>();
  let nextId = 0;
  const subscribe = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const key = (args.contextValue as Context & { resultKey?: string }).resultKey;
    const run = (event: unknown) => {
      const contextValue =
        loadersOf && typeof event === 'object' && event !== null ? { ...(args.contextValue as object), loaders: loadersOf(event) } : args.contextValue;
      return execute({ ...args, rootValue: event, contextValue });
    };
    return mapStream(source as AsyncIterableIterator<unknown>, async (event) => {
      const result = await resultOf(event);
      // Which log event this message carries, for onNext (a symbol: never serialised).
      const cursor = (event as { id?: unknown } | null)?.id;
      if (typeof cursor === 'string' && result && typeof result === 'object') (result as Record<symbol, unknown>)[EVENT_ID] = Number(cursor);
      return result;
    });
    async function resultOf(event: unknown): Promise<ExecutionResult> {
      if (!key || typeof event !== 'object' || event === null) return run(event);
      let id = ids.get(event);
      if (id === undefined) ids.set(event, (id = nextId++));
      const cacheKey = `${id}:${key}`;
      let result = results.get(cacheKey);
      if (!result) {
        const executed = run(event);
        result = executed;
        // Counted by its key while it runs, then by what it holds (a result over the bound is not kept).
        results.set(cacheKey, executed, { size: resultBytes(cacheKey, null) });
        Promise.resolve(executed).then(
          (done) => {
            if (results.peek(cacheKey) === executed) results.set(cacheKey, done, { size: resultBytes(cacheKey, done) });
          },
          () => results.delete(cacheKey),
        );
      }
      return result;
    }
  };
  /** Bytes the shared results hold now (as estimated by resultBytes). */
  return Object.defineProperty(subscribe, 'cachedBytes', { get: () => results.calculatedSize }) as typeof subscribe & { readonly cachedBytes: number };
}

/**
 * The payload of a `next` message, serialised once for every subscriber it goes to. graphql-ws
 * serialises each message whole, once per socket; for one event on a thousand identical
 * subscriptions that is a thousand JSON.stringify of the same result. Instead onNext hands
 * graphql-ws a placeholder (its JSON is a short string no payload object can produce) and records
 * the shared JSON for that subscription id; the socket's `send` (wrapped once per connection)
 * splices it in. graphql-ws awaits each `next` of a subscription before the following one, so one
 * pending payload per subscription id suffices.
 */
const SHARED_MARK = '\u0000shared-payload';
const SHARED_PLACEHOLDER = Object.freeze({ toJSON: () => SHARED_MARK });
/** How graphql-ws's `next` message with the placeholder starts and ends (its keys in this order): the id is between. */
const SHARED_HEAD = '{"id":';
const SHARED_TAIL = `,"type":"next","payload":${JSON.stringify(SHARED_MARK)}}`;

export class SharedPayloads {
  /** JSON of each result (the same object for every subscriber of a shared execution). */
  private readonly json = new WeakMap<object, string>();
  /** Per socket: the payload waiting to be spliced into the next message of each subscription id (keyed by the id's JSON). */
  private readonly pending = new WeakMap<WebSocket, Map<string, string>>();

  /** Wraps `socket.send` so placeholder messages go out with their shared payload. */
  attach(socket: WebSocket): void {
    if (this.pending.has(socket)) return;
    const waiting = new Map<string, string>();
    this.pending.set(socket, waiting);
    const send = socket.send.bind(socket) as (data: unknown, ...rest: unknown[]) => void;
    (socket as { send: (data: unknown, ...rest: unknown[]) => void }).send = (data: unknown, ...rest: unknown[]) => {
      if (typeof data === 'string' && waiting.size && data.endsWith(SHARED_TAIL) && data.startsWith(SHARED_HEAD)) {
        // The id as JSON, as the map keys it: no parse of the message.
        const id = data.slice(SHARED_HEAD.length, -SHARED_TAIL.length);
        const payload = waiting.get(id);
        if (payload !== undefined) {
          waiting.delete(id);
          data = `${data.slice(0, -SHARED_TAIL.length)},"type":"next","payload":${payload}}`;
        }
      }
      send(data, ...rest);
    };
  }

  /** The placeholder to give graphql-ws for this result on (socket, id), or null when the socket is not attached. */
  placeholder(socket: WebSocket, id: string, result: ExecutionResult): object | null {
    const waiting = this.pending.get(socket);
    if (!waiting) return null;
    let json = this.json.get(result);
    if (json === undefined) this.json.set(result, (json = JSON.stringify(result)));
    waiting.set(JSON.stringify(id), json);
    return SHARED_PLACEHOLDER;
  }
}

/**
 * graphql-ws wraps what an event stream throws (a replay reading the log when the database is
 * gone) in a GraphQLError without a path, which formatError does not look inside: translated
 * here, so it reaches the client as SERVICE_UNAVAILABLE / TIMEOUT, not INTERNAL_SERVER_ERROR.
 */
function streamError(error: GraphQLError): GraphQLError {
  if (!error.originalError || error.path) return error;
  const translated = translateDbError(error.originalError);
  return translated instanceof GraphQLError ? translated : error;
}

export interface SubscriptionServer {
  /** Open WebSocket connections. */
  readonly connections: number;
  stop(): Promise<void>;
}

/** What the WebSocket transport is given: it builds nothing of the request layer itself. */
export interface SubscriptionParts {
  built: BuiltSchema;
  config: Config;
  limits: Limits;
  format: (formatted: GraphQLFormattedError, raw: unknown) => GraphQLFormattedError;
  /** Verifies the token of connection_init. */
  authenticator: Authenticator;
  /** The context of one subscription, for its caller. */
  context(actor: Actor | null): Context;
  /** The DataLoaders a live event is resolved through. */
  loadersOf(event: object): Loaders;
  /** TRUSTED_DOCUMENTS: in `required` mode only manifest documents may be subscribed. */
  trusted?: TrustedDocuments;
  /** The per-caller rate limit: each subscribe message spends a point. */
  rateLimit?: { limit: RateLimit | null; keyOf: CallerKey };
}

/**
 * The upgrade's `Origin` against CORS_ORIGINS (browsers send it; CORS does not protect WebSockets):
 * a page from a refused origin gets HTTP 403 and no socket.
 */
function verifyOrigin(config: Config) {
  return (info: { origin: string; req: http.IncomingMessage }, callback: (ok: boolean, code?: number, message?: string) => void): void => {
    if (originAllowed(info.origin || undefined, info.req.headers.host, config.corsOrigins)) callback(true);
    else callback(false, 403, 'Origin not allowed (CORS_ORIGINS)');
  };
}

/** The caller key of a connection: its verified caller's subject, else its address (as over HTTP). */
function rateKeyOf(parts: SubscriptionParts, caller: Actor | null | undefined, request: http.IncomingMessage): string | undefined {
  return parts.rateLimit?.keyOf ? parts.rateLimit.keyOf(caller ?? null, request.socket) : undefined;
}

/** Refusals of a subscribe message before its document is looked at: the rate limit, then trusted documents. */
async function edgeRefusal(parts: SubscriptionParts, rateKey: string | undefined, query: string): Promise<GraphQLError | null> {
  const limit = parts.rateLimit?.limit;
  if (limit && rateKey) {
    const refusal = await limit.consume(rateKey);
    if (refusal) return refusal;
  }
  return parts.trusted?.refusalFor(query) ?? null;
}

/**
 * connection_init: the same rule as HTTP. A token that does not verify, or no token when
 * ANONYMOUS_READS is off, closes the socket with 4401 and a reason naming the refusal
 * (`UNAUTHENTICATED TOKEN_EXPIRED: …`), never the token.
 */
async function authenticate(
  authenticator: Authenticator,
  params: Record<string, unknown> | undefined,
  extra: ConnectionExtra & { request: http.IncomingMessage; socket: WebSocket },
): Promise<boolean> {
  try {
    extra.actor = await authenticator.callerOf(authorizationOf(params, extra.request));
    return true;
  } catch (error) {
    const ext = error instanceof GraphQLError ? error.extensions : {};
    const reason = `${String(ext.code ?? 'UNAUTHENTICATED')}${ext.reason ? ` ${String(ext.reason)}` : ''}: ${error instanceof Error ? error.message : ''}`;
    // A close reason is at most 123 bytes.
    let shown = reason;
    while (Buffer.byteLength(shown) > 123) shown = `${shown.slice(0, -2)}…`;
    // Keys out of reach (AUTH_JWKS_URL) is ours: "try again later", which clients retry.
    extra.socket.close(ext.code === 'SERVICE_UNAVAILABLE' ? TOO_SLOW_CLOSE_CODE : UNAUTHENTICATED_CLOSE_CODE, shown);
    return false;
  }
}

/** The document of a subscribe message, parsed, validated and within the limits; or the refusals. */
function checkedDocument(
  parts: SubscriptionParts,
  check: ReturnType<typeof operationLimits>,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): readonly GraphQLError[] | { document: DocumentNode; operation: OperationDefinitionNode } {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: parts.config.maxDocumentTokens });
  } catch (error) {
    return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
  }
  const invalid = validate(parts.built.schema, document, parts.config.introspection ? specifiedRules : [...specifiedRules, noIntrospectionRule]);
  if (invalid.length) return invalid;
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) {
    return [
      new BadUserInputError(
        payload.operationName ? `Unknown operation named "${payload.operationName}".` : 'Send exactly one operation, or name the one to run.',
      ),
    ];
  }
  try {
    check(parts.built.schema, document, payload.operationName, payload.variables);
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
  return { document, operation };
}

/**
 * A subscriber that fell behind is told, then disconnected; the client resumes with the cursor in
 * the error: the last event whose message reached the socket (the one in flight, if any, is not lost).
 */
function tooSlowHandler(socket: WebSocket, id: string, formatAll: (errors: readonly GraphQLError[]) => GraphQLFormattedError[]): Subscriber {
  return {
    tooSlow(resumeAfter) {
      // On the next turn, so a message graphql-ws is about to write goes out first.
      setImmediate(() => {
        const error = new SubscriberTooSlowError(String(Math.max(Number(resumeAfter), this.sent ?? 0)));
        if (socket.readyState === socket.OPEN) socket.send(stringifyMessage({ id, type: MessageType.Error, payload: formatAll([error]) }));
        socket.close(TOO_SLOW_CLOSE_CODE, 'Subscriber too slow; resume with the cursor sent');
      });
    },
  };
}

/**
 * graphql-ws (protocol graphql-transport-ws) on the HTTP server's `/graphql` path. The same
 * schema, limits and error formatting as HTTP; tokens are checked on connection_init; each
 * connection holds at most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions; pings keep idle
 * links alive and drop dead peers.
 */
export function startSubscriptionServer(httpServer: http.Server, parts: SubscriptionParts): SubscriptionServer {
  const { built, config } = parts;
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_REQUEST_BYTES, verifyClient: verifyOrigin(config) });
  const check = operationLimits(built.costs, parts.limits);
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((e) => parts.format(e.toJSON(), e));
  const payloads = new SharedPayloads();
  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: built.schema,
      isProd: !config.exposeErrors,
      subscribe: sharedSubscriber(SHARED_RESULTS_MAX_BYTES, parts.loadersOf),
      onConnect: async (ctx) => {
        const accepted = await authenticate(parts.authenticator, ctx.connectionParams, ctx.extra);
        if (accepted) ctx.extra.rateKey = rateKeyOf(parts, ctx.extra.actor, ctx.extra.request);
        if (accepted) payloads.attach(ctx.extra.socket);
        return accepted;
      },
      onSubscribe: async (ctx, id, payload) => {
        if (Object.keys(ctx.subscriptions).length > config.maxSubscriptionsPerConnection) {
          return [new TooManySubscriptionsError(config.maxSubscriptionsPerConnection)];
        }
        const refused = await edgeRefusal(parts, ctx.extra.rateKey, payload.query);
        if (refused) return [refused];
        const checked = checkedDocument(parts, check, payload);
        if (!('document' in checked)) return checked;
        const actor = ctx.extra.actor ?? null;
        const contextValue: Context & { resultKey: string } = {
          ...parts.context(actor),
          resultKey: resultKey(checked.document, checked.operation, payload.variables ?? undefined, actor?.name ?? null, payload.query),
          subscriber: tooSlowHandler(ctx.extra.socket, id, formatAll),
        };
        return { schema: built.schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onNext: (ctx, id, _payload, args, result) => {
        // Called right before the message goes to the socket: remember which event it carries.
        const sent = (result as Record<symbol, unknown>)[EVENT_ID];
        const subscriber = (args.contextValue as Context).subscriber;
        if (typeof sent === 'number' && subscriber) subscriber.sent = sent;
        if (result.errors) return { ...result, errors: formatAll(result.errors) };
        // Serialised once per result, however many subscribers it goes to (see SharedPayloads).
        return (payloads.placeholder(ctx.extra.socket, id, result) as ExecutionResult | null) ?? undefined;
      },
      onError: (_ctx, _id, _payload, errors) => formatAll(errors.map(streamError)),
    },
    wss,
    config.wsKeepAliveMs > 0 ? config.wsKeepAliveMs : Infinity,
  );
  return {
    get connections() {
      return wss.clients.size;
    },
    async stop() {
      // Closes every connection with 1001 (going away): clients reconnect, to another instance.
      await disposable.dispose();
    },
  };
}
