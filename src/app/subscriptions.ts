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
import type { LoggedEvent } from '../events/change.types';
import { FollowGroup, type Follower } from '../events/follow-group';
import { LogStream } from '../events/log-stream';
import type { Actor } from '../shared/actor';
import type { Authenticator } from '../shared/auth';
import type { Config } from '../shared/config';
import type { Subscriber } from '../shared/context';
import { BadUserInputError, SubscriberTooSlowError, TooManySubscriptionsError } from '../shared/errors';
import { noIntrospectionRule } from '../shared/introspection';
import { loggerFor, type Logger } from '../shared/logger';
import { MAX_REQUEST_BYTES, operationLimits, type Limits } from '../shared/limits.plugin';
import { originAllowed } from '../shared/origins';
import { mapStream } from '../shared/streams';
import { translateDbError } from '../shared/transaction';
import type { TrustedDocuments } from '../shared/trusted-documents';
import type { Context } from './context';
import type { Loaders } from './loaders';
import type { CallerKey, RateLimit } from './rate-limit';
import { REQUEST_ID_HEADER, requestIdOf } from './request-log';
import type { BuiltSchema } from './schema';
import { withFields } from '../shared/objects';

/** WebSocket close code for a subscriber that fell behind: "try again later", which clients retry. */
export const TOO_SLOW_CLOSE_CODE = 1013;

/** What each connection keeps beside graphql-ws's socket and request: the caller. */
type ConnectionExtra = { actor?: Actor | null; rateKey?: string; connectionId?: string };

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
  actor: Actor | null,
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
  // The caller's whole scope (name, role, organisation), not its name alone.
  return JSON.stringify([query, operation.name?.value ?? null, actor ? [actor.name, actor.role, actor.org] : null, shaping]);
}

/**
 * Bytes a socket may hold unsent while its subscriptions are written to directly. Past it, a
 * subscription goes back to graphql-ws's pace (the next message once the previous one is written),
 * so what waits per socket stays bounded by bytes, and one that falls out of the event buffer is
 * told SUBSCRIBER_TOO_SLOW as before.
 */
export const PUSH_MAX_BUFFERED_BYTES = 64 * 1024;

/** Counts of this process's fan-out (for tests and profiles): messages written by groups, and subscriptions a group let go. */
export const fanoutStats = { pushed: 0, released: 0 };

/** Where a subscription's `next` messages go when they are written without graphql-ws's per-message chain. */
export interface PushTarget {
  socket: WebSocket;
  /** The start of its `next` messages, UTF-8: `{"id":<id>,"type":"next","payload":` (what graphql-ws's stringifyMessage writes). */
  prefix: Buffer;
  /** Formats the errors of a result for this subscription (as onNext does). */
  formatAll(errors: readonly GraphQLError[]): GraphQLFormattedError[];
}

/** The context of a subscription on a connection, as subscriptionArgs builds it. */
type SubscriptionContext = Context & { resultKey?: string; push?: PushTarget };

/** A live subscription written to by its group. */
interface Pushed extends Follower {
  target: PushTarget;
  subscriber?: Subscriber;
  /** The group let it go: graphql-ws's waiting `next()` gets the stream pulled again from its position, or `error`. */
  released(error?: unknown): void;
}

/** One live event prepared for a group: its result, and its payload's JSON (UTF-8) when the result has no errors (errors are formatted per subscription). */
interface Prepared {
  result: ExecutionResult;
  json: Buffer | null;
}

const MESSAGE_END = Buffer.from('}');

/**
 * The `next` message graphql-ws would write for `result` (its payload without `errors`, or
 * onNext's formatted errors), as one buffer: ws sends a buffer as it is, where a string would be
 * measured and encoded again for every socket.
 */
function nextMessage(target: PushTarget, prepared: Prepared): Buffer {
  const { result } = prepared;
  const payload = prepared.json ?? Buffer.from(JSON.stringify({ ...result, errors: target.formatAll(result.errors ?? []) }));
  const message = Buffer.allocUnsafe(target.prefix.length + payload.length + 1);
  target.prefix.copy(message, 0);
  payload.copy(message, target.prefix.length);
  MESSAGE_END.copy(message, target.prefix.length + payload.length);
  return message;
}

/** Live subscriptions of one result key and one filter, caught up with the hub, by key: one loop writes each event to all of them. */
type Groups = Map<string, FollowGroup<Pushed, Prepared>>;

/** The group of `groupKey`, made with the first stream of it (whose execution arguments it uses, as the shared results do). */
function groupOf(groups: Groups, groupKey: string, stream: LogStream, resultOf: (event: unknown) => Promise<ExecutionResult>): FollowGroup<Pushed, Prepared> {
  const existing = groups.get(groupKey);
  if (existing) return existing;
  const group: FollowGroup<Pushed, Prepared> = new FollowGroup<Pushed, Prepared>(
    stream.source,
    {
      passes: (event: LoggedEvent) => stream.passes(event),
      prepare: async (event: LoggedEvent) => {
        const result = await resultOf(event);
        return { result, json: result.errors ? null : Buffer.from(JSON.stringify(result)) };
      },
      deliver: (follower, prepared, eventId) => {
        const { socket } = follower.target;
        // A socket going away drops what is sent to it, as graphql-ws's send does; its subscriptions are stopped with it.
        if (socket.readyState !== socket.OPEN) return true;
        if (socket.bufferedAmount > PUSH_MAX_BUFFERED_BYTES) return false;
        if (follower.subscriber) follower.subscriber.sent = eventId;
        // A text frame, as graphql-ws sends its messages.
        socket.send(nextMessage(follower.target, prepared), { binary: false });
        fanoutStats.pushed += 1;
        return true;
      },
      released: (follower, error) => {
        fanoutStats.released += 1;
        follower.released(error);
      },
    },
    () => {
      if (groups.get(groupKey) === group) groups.delete(groupKey);
    },
  );
  groups.set(groupKey, group);
  return group;
}

/**
 * A live subscription on a LogStream: while the stream is caught up with the hub it waits in its
 * group, which writes each new event to its socket directly (the same message graphql-ws would
 * write); otherwise (replaying, or its socket full) graphql-ws pulls it event by event as before.
 */
function following(
  groups: Groups,
  stream: LogStream,
  pulled: AsyncIterableIterator<ExecutionResult>,
  target: PushTarget,
  subscriber: Subscriber | undefined,
  groupKey: string,
  resultOf: (event: unknown) => Promise<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  let current: { group: FollowGroup<Pushed, Prepared>; follower: Pushed; resolve: (next: Promise<IteratorResult<ExecutionResult>>) => void } | null = null;
  let finished = false;
  const settle = (follower: Pushed, next: () => Promise<IteratorResult<ExecutionResult>>) => {
    if (current?.follower !== follower) return;
    const { resolve } = current;
    current = null;
    resolve(next());
  };
  const leave = () => {
    if (!current) return;
    const { group, follower } = current;
    group.remove(follower);
    settle(follower, () => Promise.resolve({ value: undefined, done: true }));
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    next() {
      if (finished) return Promise.resolve({ value: undefined, done: true });
      const reader = stream.follow();
      if (!reader) return pulled.next();
      return new Promise<IteratorResult<ExecutionResult>>((resolve) => {
        const group = groupOf(groups, groupKey, stream, resultOf);
        const follower: Pushed = {
          reader,
          target,
          subscriber,
          released: (error) => settle(follower, () => (error === undefined ? pulled.next() : Promise.reject(error))),
        };
        current = { group, follower, resolve };
        group.add(follower);
      });
    },
    async return() {
      finished = true;
      leave();
      return (await pulled.return?.()) ?? { value: undefined, done: true };
    },
    async throw(error: unknown) {
      finished = true;
      leave();
      await pulled.return?.();
      throw error;
    },
  };
  return iterator;
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
  const groups: Groups = new Map();
  const subscribe = async (args: ExecutionArgs) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const context = args.contextValue as SubscriptionContext;
    const key = context.resultKey;
    const run = (event: unknown) => {
      const contextValue =
        loadersOf && typeof event === 'object' && event !== null ? withFields(args.contextValue as object, { loaders: loadersOf(event) }) : args.contextValue;
      return execute(withFields(args, { rootValue: event, contextValue }));
    };
    const pulled = mapStream(source as AsyncIterableIterator<unknown>, async (event) => {
      const result = await resultOf(event);
      // Which log event this message carries, for onNext (a symbol: never serialised).
      const cursor = (event as { id?: unknown } | null)?.id;
      if (typeof cursor === 'string' && result && typeof result === 'object') (result as Record<symbol, unknown>)[EVENT_ID] = Number(cursor);
      return result;
    });
    const target = context.push;
    if (!key || !target || !(source instanceof LogStream) || !source.byMatcher) return pulled;
    return following(groups, source, pulled, target, context.subscriber, `${key}\n${source.filterKey}`, resultOf);
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
  /** METRICS_ENABLED: told of accepted and closed connections (the subscription gauge) and of cut-offs. */
  observer?: SubscriptionObserver;
}

/** What the metrics learn from the WebSocket transport. */
export interface SubscriptionObserver {
  connectionAccepted(connection: { subscriptions: Record<string, unknown> }): void;
  connectionClosed(connection: { subscriptions: Record<string, unknown> }): void;
  tooSlow: { inc(): void };
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

/** `error` with `extensions.code` set to `code` if it had none (graphql-js's own parse and validation errors), as Apollo does over HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  const { nodes, source, positions, path, originalError } = error;
  return new GraphQLError(error.message, { nodes, source, positions, path, originalError, extensions: { ...error.extensions, code } });
}

/** The document of a subscribe message, parsed, validated and within the limits; or the refusals. */
function checkedDocument(
  parts: SubscriptionParts,
  check: ReturnType<typeof operationLimits>,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  parsed: { operationName?: string } = {},
): readonly GraphQLError[] | { document: DocumentNode; operation: OperationDefinitionNode } {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: parts.config.maxDocumentTokens });
  } catch (error) {
    return [withCode(error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.'), 'GRAPHQL_PARSE_FAILED')];
  }
  // For the log line: the name of the operation asked for, even if it is refused below.
  parsed.operationName = payload.operationName ?? getOperationAST(document)?.name?.value;
  const invalid = validate(parts.built.schema, document, parts.config.introspection ? specifiedRules : [...specifiedRules, noIntrospectionRule]);
  if (invalid.length) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
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
function tooSlowHandler(
  socket: WebSocket,
  id: string,
  formatAll: (errors: readonly GraphQLError[]) => GraphQLFormattedError[],
  observer?: SubscriptionObserver,
): Subscriber {
  return {
    tooSlow(resumeAfter) {
      observer?.tooSlow.inc();
      // On the next turn, so a message graphql-ws is about to write goes out first.
      setImmediate(() => {
        const error = new SubscriberTooSlowError(String(Math.max(Number(resumeAfter), this.sent ?? 0)));
        if (socket.readyState === socket.OPEN) socket.send(stringifyMessage({ id, type: MessageType.Error, payload: formatAll([error]) }));
        socket.close(TOO_SLOW_CLOSE_CODE, 'Subscriber too slow; resume with the cursor sent');
      });
    },
  };
}

/** The request id of subscription `id` on a connection: `<connection id>:<operation id>`, in its log lines and errors. */
function operationIdOf(extra: ConnectionExtra, id: string): string {
  return `${extra.connectionId ?? 'ws'}:${id.slice(0, 64)}`;
}

/**
 * Each connection gets a request id (the upgrade's X-Request-Id if it is a plain token, else a new
 * one), returned in the upgrade response's X-Request-Id header; it is logged when the connection
 * opens and closes. Never the connection_init payload (it carries the token).
 */
function connectionIds(wss: WebSocketServer, log: Logger) {
  const ids = new WeakMap<http.IncomingMessage, string>();
  wss.on('headers', (headers, request) => {
    const id = requestIdOf(request.headers[REQUEST_ID_HEADER]);
    ids.set(request, id);
    headers.push(`X-Request-Id: ${id}`);
  });
  return {
    opened(extra: ConnectionExtra & { request: http.IncomingMessage }) {
      extra.connectionId = ids.get(extra.request) ?? requestIdOf(undefined);
      log.info({ requestId: extra.connectionId, sub: extra.actor?.sub }, 'websocket connected');
    },
    closed(extra: ConnectionExtra, code: number) {
      if (extra.connectionId) log.info({ requestId: extra.connectionId, sub: extra.actor?.sub, closeCode: code }, 'websocket closed');
    },
  };
}

/** A subscription's log lines: started (or refused, with the codes), completed. */
function operationLog(log: Logger) {
  return {
    started(extra: ConnectionExtra, id: string, operationName: string | null | undefined, refusals?: readonly GraphQLError[]) {
      const fields = {
        requestId: operationIdOf(extra, id),
        connectionId: extra.connectionId,
        operationName: operationName?.slice(0, 100) ?? undefined,
        sub: extra.actor?.sub,
      };
      if (refusals?.length)
        log.info({ ...fields, outcome: 'error', codes: [...new Set(refusals.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))] }, 'subscription refused');
      else log.info({ ...fields, outcome: 'ok' }, 'subscription started');
    },
    completed(extra: ConnectionExtra, id: string) {
      log.info({ requestId: operationIdOf(extra, id), connectionId: extra.connectionId, sub: extra.actor?.sub }, 'subscription completed');
    },
  };
}

type Format = (errors: readonly GraphQLError[], requestId?: string) => GraphQLFormattedError[];

/** A subscribe message: its refusals, or what graphql-ws is to execute. */
async function subscriptionArgs(
  parts: SubscriptionParts,
  check: ReturnType<typeof operationLimits>,
  formatAll: Format,
  ctx: { subscriptions: Record<string, unknown>; extra: ConnectionExtra & { socket: WebSocket } },
  id: string,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  parsed: { operationName?: string },
): Promise<readonly GraphQLError[] | ExecutionArgs> {
  const { built, config } = parts;
  if (Object.keys(ctx.subscriptions).length > config.maxSubscriptionsPerConnection) {
    return [new TooManySubscriptionsError(config.maxSubscriptionsPerConnection)];
  }
  const refused = await edgeRefusal(parts, ctx.extra.rateKey, payload.query);
  if (refused) return [refused];
  const checked = checkedDocument(parts, check, payload, parsed);
  if (!('document' in checked)) return checked;
  const actor = ctx.extra.actor ?? null;
  const requestId = operationIdOf(ctx.extra, id);
  const contextValue: SubscriptionContext & { resultKey: string } = {
    ...parts.context(actor),
    resultKey: resultKey(checked.document, checked.operation, payload.variables ?? undefined, actor, payload.query),
    subscriber: tooSlowHandler(ctx.extra.socket, id, (errors) => formatAll(errors, requestId), parts.observer),
    push: {
      socket: ctx.extra.socket,
      prefix: Buffer.from(`{"id":${JSON.stringify(id)},"type":"${MessageType.Next}","payload":`),
      formatAll: (errors) => formatAll(errors, requestId),
    },
  };
  return { schema: built.schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
}

/**
 * graphql-ws (protocol graphql-transport-ws) on the HTTP server's `/graphql` path. The same
 * schema, limits and error formatting as HTTP; tokens are checked on connection_init; each
 * connection holds at most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions; pings keep idle
 * links alive and drop dead peers. Connections and subscriptions are logged with their request
 * ids, which their errors carry in `extensions.requestId`.
 */
export function startSubscriptionServer(httpServer: http.Server, parts: SubscriptionParts): SubscriptionServer {
  const { built, config } = parts;
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_REQUEST_BYTES, verifyClient: verifyOrigin(config) });
  const check = operationLimits(built.costs, parts.limits);
  const log = loggerFor(config);
  const connections = connectionIds(wss, log);
  const operations = operationLog(log);
  const formatAll: Format = (errors, requestId) =>
    errors.map((e) => {
      const formatted = parts.format(e.toJSON(), e);
      return requestId ? { ...formatted, extensions: { ...formatted.extensions, requestId } } : formatted;
    });
  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: built.schema,
      isProd: !config.exposeErrors,
      subscribe: sharedSubscriber(SHARED_RESULTS_MAX_BYTES, parts.loadersOf),
      onConnect: async (ctx) => {
        const accepted = await authenticate(parts.authenticator, ctx.connectionParams, ctx.extra);
        if (accepted) ctx.extra.rateKey = rateKeyOf(parts, ctx.extra.actor, ctx.extra.request);
        if (accepted) parts.observer?.connectionAccepted(ctx);
        if (accepted) connections.opened(ctx.extra);
        return accepted;
      },
      onSubscribe: async (ctx, id, payload) => {
        const parsed: { operationName?: string } = {};
        const args = await subscriptionArgs(parts, check, formatAll, ctx, id, payload, parsed);
        operations.started(ctx.extra, id, parsed.operationName ?? payload.operationName, Array.isArray(args) ? (args as readonly GraphQLError[]) : undefined);
        return args;
      },
      onNext: (ctx, id, _payload, args, result) => {
        // Called right before the message goes to the socket: remember which event it carries.
        const sent = (result as Record<symbol, unknown>)[EVENT_ID];
        const subscriber = (args.contextValue as Context).subscriber;
        if (typeof sent === 'number' && subscriber) subscriber.sent = sent;
        return result.errors ? { ...result, errors: formatAll(result.errors, operationIdOf(ctx.extra, id)) } : undefined;
      },
      onError: (ctx, id, _payload, errors) => formatAll(errors.map(streamError), operationIdOf(ctx.extra, id)),
      onComplete: (ctx, id) => operations.completed(ctx.extra, id),
      onClose: (ctx, code) => {
        parts.observer?.connectionClosed(ctx);
        connections.closed(ctx.extra, code ?? 0);
      },
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
