import type http from 'node:http';
import { GraphQLError, getOperationAST, parse, validate, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import { createLoaders, type Context } from '../context';
import type { BuiltSchema } from '../schema';
import type { Services } from '../services';
import type { Actor } from '../shared/actor';
import { BadUserInputError, SubscriberTooSlowError, TooManySubscriptionsError } from '../shared/errors';
import { operationLimits, type Limits } from '../shared/limits.plugin';

/** WebSocket close code for a subscriber that fell behind: "try again later", which clients retry. */
export const TOO_SLOW_CLOSE_CODE = 1013;

/** What each connection keeps beside graphql-ws's socket and request: the caller. */
type ConnectionExtra = { actor?: Actor | null };

/** The token a client sent on connection_init (`authorization: "Bearer …"` or `token`), or on the upgrade request. */
function tokenOf(params: Record<string, unknown> | undefined, request: http.IncomingMessage): string | null {
  const raw = params?.authorization ?? params?.Authorization ?? params?.token ?? request.headers.authorization;
  if (typeof raw !== 'string' || !raw.trim()) return null;
  return /^Bearer\s+(.+)$/i.exec(raw.trim())?.[1]?.trim() ?? raw.trim();
}

export interface SubscriptionServer {
  /** Open WebSocket connections. */
  readonly connections: number;
  stop(): Promise<void>;
}

/**
 * graphql-ws (protocol graphql-transport-ws) on the HTTP server's `/graphql` path. The same
 * schema, limits and error formatting as HTTP; tokens are checked on connection_init; each
 * connection holds at most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions; pings keep idle
 * links alive and drop dead peers.
 */
export function startSubscriptionServer(
  httpServer: http.Server,
  built: BuiltSchema,
  services: Services,
  config: Config,
  limits: Limits,
  format: (formatted: GraphQLFormattedError, raw: unknown) => GraphQLFormattedError,
): SubscriptionServer {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 1024 * 1024 });
  const check = operationLimits(built.complexity, limits);
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((e) => format(e.toJSON(), e));

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: built.schema,
      isProd: !config.exposeErrors,
      onConnect: (ctx) => {
        const token = tokenOf(ctx.connectionParams, ctx.extra.request);
        if (token === null) {
          // Open when no tokens are configured (development); partner connections need one otherwise.
          ctx.extra.actor = null;
          return config.apiTokens.size === 0;
        }
        const name = config.apiTokens.get(token);
        if (!name) return false;
        ctx.extra.actor = { name };
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        if (Object.keys(ctx.subscriptions).length > config.maxSubscriptionsPerConnection) {
          return [new TooManySubscriptionsError(config.maxSubscriptionsPerConnection)];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: 20_000 });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const invalid = validate(built.schema, document);
        if (invalid.length) return invalid;
        if (!getOperationAST(document, payload.operationName)) {
          return [new BadUserInputError(payload.operationName ? `Unknown operation named "${payload.operationName}".` : 'Send exactly one operation, or name the one to run.')];
        }
        try {
          check(built.schema, document, payload.operationName, payload.variables);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const { socket } = ctx.extra;
        const contextValue: Context = {
          config,
          services,
          loaders: createLoaders(services, config),
          actor: ctx.extra.actor ?? null,
          subscriber: {
            // Told, then disconnected; the client resumes with the cursor in the error.
            tooSlow(resumeAfter) {
              const error = new SubscriberTooSlowError(resumeAfter);
              socket.send(stringifyMessage({ id, type: MessageType.Error, payload: formatAll([error]) }));
              socket.close(TOO_SLOW_CLOSE_CODE, 'Subscriber too slow; resume with the cursor sent');
            },
          },
        };
        return { schema: built.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
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
