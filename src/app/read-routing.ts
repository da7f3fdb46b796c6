import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import { requestScope } from '../db/request-scope';
import type { Config } from '../shared/config';
import type { Context } from './context';

/**
 * The response header of a write, and the request header a client sends back: until this time
 * (milliseconds since the epoch), its reads go to the primary. It works across instances behind a
 * load balancer (it is a time, not a reference to anything one instance holds), up to their
 * clocks' difference.
 */
export const READ_PRIMARY_HEADER = 'X-Read-Primary-Until';

/** Longest caller key kept as it is; longer `sub` claims are kept as their SHA-256, so an entry stays small. */
const MAX_KEY_LENGTH = 64;

/**
 * Callers (token subjects) who wrote recently, and until when their reads go to the primary. One
 * process's memory, bounded at `maxEntries` (about 200 bytes each: a key of at most 64 characters
 * and a number); past it the least recently written caller is forgotten first, and then only the
 * header keeps its reads on the primary.
 */
export class RecentWriters {
  private readonly until = new Map<string, number>();

  constructor(private readonly maxEntries: number) {}

  private static keyOf(sub: string): string {
    return sub.length <= MAX_KEY_LENGTH ? sub : createHash('sha256').update(sub).digest('base64url');
  }

  wrote(sub: string, until: number): void {
    if (this.maxEntries === 0) return;
    const key = RecentWriters.keyOf(sub);
    this.until.delete(key); // re-inserted last: Map order is the least recently written first
    this.until.set(key, until);
    while (this.until.size > this.maxEntries) this.until.delete(this.until.keys().next().value as string);
  }

  /** Whether `sub`'s reads still go to the primary at `now`. */
  readsPrimary(sub: string, now: number): boolean {
    const key = RecentWriters.keyOf(sub);
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(key);
    return false;
  }

  get size(): number {
    return this.until.size;
  }
}

/**
 * Root fields that read the change log by cursor: on the primary, like subscriptions. A cursor
 * from the primary (a subscription's, a poll's endCursor) may be ahead of a replica's log, which
 * `changes(after:)` would refuse as not coming from this service.
 */
const CHANGE_LOG_FIELDS = new Set(['changes', 'latestChangeCursor']);

/** Whether the operation's root selection (through fragments) names a change-log field. */
function readsChangeLog(selectionSet: SelectionSetNode, document: DocumentNode, depth = 0): boolean {
  if (depth > 8) return true; // fragments nested that deep at the root: the primary, without looking further
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return CHANGE_LOG_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return readsChangeLog(selection.selectionSet, document, depth + 1);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION && readsChangeLog(fragment.selectionSet, document, depth + 1);
  });
}

/** The header's time, when it is one (digits only, milliseconds since the epoch); anything else is ignored. */
function headerUntil(value: string | undefined): number | null {
  if (!value || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/**
 * Routes HTTP operations between the primary and the replicas (DATABASE_REPLICA_URLS): a query
 * (`_entities` included) reads from a replica, unless its caller wrote within READ_YOUR_WRITES_MS
 * (by token subject, remembered here, or by the X-Read-Primary-Until header it sends back) or it
 * reads the change log by cursor (`changes`, `latestChangeCursor`); a mutation, and every field of its response, uses the primary, and marks its caller. With
 * SQL_STATS, `extensions.sqlBackends` lists the server processes that answered (pid, and whether a
 * replica's), which a client can look up in that server's pg_stat_activity.
 */
export function readRoutingPlugin(config: Config, writers = new RecentWriters(config.readYourWritesMaxCallers)): ApolloServerPlugin<Context & BaseContext> {
  return {
    async requestDidStart({ request }) {
      const scope = requestScope.getStore();
      if (scope && config.sqlStats) scope.backends = new Map();
      let executed = false;
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!scope || operation?.operation !== 'query' || readsChangeLog(operation.selectionSet, document)) return;
          const now = Date.now();
          const until = headerUntil(request.http?.headers.get(READ_PRIMARY_HEADER.toLowerCase()));
          const sub = contextValue.actor?.sub;
          if ((until !== null && until > now) || (sub !== undefined && writers.readsPrimary(sub, now))) return;
          scope.route = 'replica';
        },
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ operation, contextValue, response }) {
          if (executed && operation?.operation === 'mutation' && config.readYourWritesMs > 0) {
            const until = Date.now() + config.readYourWritesMs;
            if (contextValue.actor) writers.wrote(contextValue.actor.sub, until);
            response.http.headers.set(READ_PRIMARY_HEADER.toLowerCase(), String(until));
          }
          if (scope?.backends && response.body.kind === 'single') {
            const sqlBackends = [...scope.backends].map(([pid, replica]) => ({ pid, replica }));
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlBackends };
          }
        },
      };
    },
  };
}
