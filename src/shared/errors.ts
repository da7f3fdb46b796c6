import { GraphQLError } from 'graphql';

/**
 * Every refusal the API makes, each with a fixed `extensions.code` that clients can rely on.
 * Messages say what was wrong and what to do about it.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'QUERY_TOO_COMPLEX'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'SUBSCRIBER_TOO_SLOW'
  | 'RESPONSE_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'PERSISTED_QUERY_NOT_ALLOWED'
  | 'INTERNAL_SERVER_ERROR';

abstract class AppError extends GraphQLError {
  constructor(message: string, code: ErrorCode, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, 'BAD_USER_INPUT', extra);
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, id: string) {
    const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
    super(`${entity} "${shown}" does not exist.`, 'NOT_FOUND', { entity, id: shown });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(
    message = 'This operation needs a token: send "Authorization: Bearer <token>" (in development, `npm run token` prints one).',
    extra: Record<string, unknown> = {},
  ) {
    super(message, 'UNAUTHENTICATED', extra);
  }
}

/**
 * The caller is known but may not do this: its role does not allow it, or what it touches lies
 * outside the subtree of the organisation its token acts for. Nothing was changed.
 */
export class ForbiddenError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, 'FORBIDDEN', extra);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super(message, 'CONFLICT', extra);
  }
}

export class QueryTooComplexError extends AppError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    // Always raised before execution: an HTTP 400, like other request-level refusals.
    super(message, 'QUERY_TOO_COMPLEX', { ...extra, http: { status: 400 } });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'The database is unavailable right now; nothing was changed. Retry shortly.') {
    super(message, 'SERVICE_UNAVAILABLE');
  }
}

/**
 * The request ran out of time: its REQUEST_TIMEOUT_MS deadline passed, or a database bound
 * (statement, lock or client-side query timeout) cut a statement short. Work not committed is
 * rolled back. A code of its own, not SERVICE_UNAVAILABLE: the database may be healthy and the
 * request simply too slow, so a client should retry later or ask for less, not just retry.
 */
export class TimeoutError extends AppError {
  constructor(
    message = 'The request took too long and was stopped; nothing that had not committed was changed. Retry later or ask for less.',
    extra: Record<string, unknown> = {},
  ) {
    super(message, 'TIMEOUT', extra);
  }
}

/**
 * Too many expensive operations are running or waiting (EXPENSIVE_CONCURRENCY,
 * EXPENSIVE_QUEUE_LENGTH, EXPENSIVE_QUEUE_WAIT_MS): refused before execution with an HTTP 503 and
 * a retry hint, so cheap requests keep their latency under a flood of heavy ones.
 */
export class ServerBusyError extends AppError {
  constructor(cost: number, retryAfterSeconds: number) {
    super(
      `The server is running as many expensive queries as it can (this one could cost ${cost}); nothing was run. Retry in ${retryAfterSeconds} s, or ask for smaller pages to stay under the expensive-query threshold.`,
      'SERVICE_UNAVAILABLE',
      { reason: 'EXPENSIVE_QUERIES_BUSY', retryAfterSeconds, http: { status: 503, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } },
    );
  }
}

/** The serialised response would exceed MAX_RESPONSE_BYTES: it is replaced by this error. */
export class ResponseTooLargeError extends AppError {
  constructor(responseBytes: number, maxResponseBytes: number) {
    super(`The response would be ${responseBytes} bytes; the limit is ${maxResponseBytes}. Ask for smaller pages or fewer fields.`, 'RESPONSE_TOO_LARGE', {
      responseBytes,
      maxResponseBytes,
    });
  }
}

/** A WebSocket connection asked for more subscriptions than MAX_SUBSCRIPTIONS_PER_CONNECTION. */
export class TooManySubscriptionsError extends AppError {
  constructor(max: number) {
    super(`This connection already holds ${max} subscriptions, the limit; complete one first or open another connection.`, 'TOO_MANY_SUBSCRIPTIONS', {
      maxSubscriptions: max,
    });
  }
}

/** A subscriber fell out of the in-memory window: it is disconnected and resumes by cursor. */
export class SubscriberTooSlowError extends AppError {
  constructor(resumeAfter: string) {
    super(
      `This subscription fell too far behind the live events and is closed. Subscribe again with after: "${resumeAfter}" to resume without loss.`,
      'SUBSCRIBER_TOO_SLOW',
      { resumeAfter },
    );
  }
}

/** A stale `version` on an update: the client must re-read and retry. */
export class StaleVersionError extends ConflictError {
  constructor(entity: string, id: string, expected: number, actual: number) {
    super(`${entity} "${id}" was changed by someone else (you sent version ${expected}, current is ${actual}). Re-read it and apply your change again.`, {
      entity,
      id,
      expectedVersion: expected,
      currentVersion: actual,
    });
  }
}

/** The caller used up its RATE_LIMIT_POINTS for this window: nothing ran; retry after `retryAfter` seconds. */
export class RateLimitedError extends AppError {
  constructor(retryAfter: number, limit: number, windowSeconds: number) {
    super(`Too many requests: this caller may make ${limit} per ${windowSeconds} s. Nothing was run; retry in ${retryAfter} s.`, 'RATE_LIMITED', {
      retryAfter,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfter)]]) },
    });
  }
}

/**
 * TRUSTED_DOCUMENTS=required and the operation is not in the manifest of trusted documents (by
 * its sha256 hash, or by its text): nothing ran. Distinct from Apollo's PERSISTED_QUERY_NOT_FOUND
 * (an automatic persisted query the server has not seen yet, which a client answers by sending the
 * text): resending the text does not help here.
 */
export class PersistedQueryNotAllowedError extends AppError {
  constructor(hash: string | null) {
    super(
      hash
        ? `This server runs only its trusted documents, and ${hash.length > 80 ? `${hash.slice(0, 80)}…` : hash} is not one of them. Nothing was run.`
        : 'This server runs only its trusted documents (persisted operations sent by sha256 hash); this document is not one of them. Nothing was run.',
      'PERSISTED_QUERY_NOT_ALLOWED',
      { http: { status: 400 } },
    );
  }
}
