import {
  CannotExecuteNotConnectedError,
  CannotGetEntityManagerNotConnectedError,
  ConnectionIsNotSetError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
  type DataSource,
  type EntityManager,
} from 'typeorm';
import { GraphQLError } from 'graphql';
import { BadUserInputError, ConflictError, ServiceUnavailableError, TimeoutError } from './errors';

// Socket errors, admin shutdown / crash / cannot connect now, connection exceptions, too many
// clients, a session ended for idling in a transaction (25P03).
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  '25P03',
]);
/**
 * Refusals to connect that carry a generic code (55000 for a database closed to connections),
 * pg-pool's wait for a free connection, and a pool or driver already closed (shutdown).
 */
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end on the pool|Driver not Connected|not currently accepting connections|the database system is (starting up|shutting down|in recovery)/i;
/**
 * TypeORM's own errors for a connection that is gone: the DataSource destroyed (shutdown) under a
 * running request, a query runner released meanwhile. Matched by class, and by name for a copy
 * of TypeORM loaded twice.
 */
const CONNECTION_GONE = [
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
  CannotExecuteNotConnectedError,
  ConnectionIsNotSetError,
  CannotGetEntityManagerNotConnectedError,
];
const CONNECTION_GONE_NAMES = new Set(CONNECTION_GONE.map((c) => c.name));
/** Statement cancelled (statement_timeout or a cancel request), lock wait too long (lock_timeout). */
const TIMEOUT_CODES = new Set(['57014', '55P03']);
/** pg's client-side query_timeout. */
const TIMEOUT_MESSAGES = /^Query read timeout$/;

/** Turns database failures into API errors a client can act on; nothing of the SQL leaks. */
export function translateDbError(error: unknown): unknown {
  if (error instanceof GraphQLError) return error;
  const e = error as { code?: string; name?: string; message?: string; driverError?: { code?: string; message?: string } };
  // The request's deadline (request-scope.ts), as the cause of a failed statement.
  if (e?.driverError instanceof GraphQLError) return e.driverError;
  if (CONNECTION_GONE.some((type) => error instanceof type) || (e?.name && CONNECTION_GONE_NAMES.has(e.name))) return new ServiceUnavailableError();
  const code = e?.driverError?.code ?? e?.code;
  // Constraint names are internal: the services check the cases users meet and say so in words;
  // these are the backstop for races between such a check and the write.
  if (code === '23505') return new ConflictError('That would duplicate an existing record; re-read and try again.');
  if (code === '23503') return new ConflictError('A record this change refers to was removed meanwhile; re-read and try again.');
  if (code === '22001') return new BadUserInputError('A value is too long.');
  if (code === '23514' || code === '22021' || code === '22P05' || code === '22P02' || code === '22007' || code === '22008' || code === '22003') {
    return new BadUserInputError('A value is out of range or malformed.');
  }
  if (code === '40001' || code === '40P01') return new ConflictError('A concurrent change got in the way; retry the request.');
  const message = e?.driverError?.message ?? e?.message ?? '';
  if ((code && TIMEOUT_CODES.has(code)) || TIMEOUT_MESSAGES.test(message)) {
    return new TimeoutError('A database statement took too long and was stopped; nothing that had not committed was changed. Retry later or ask for less.');
  }
  if ((code && CONNECTION_ERRORS.has(code)) || CONNECTION_MESSAGES.test(message) || CONNECTION_MESSAGES.test(e?.message ?? '')) {
    return new ServiceUnavailableError();
  }
  return error;
}

/** Dates the API accepts: a plausible range, so typos like year 1 or 20230 are refused clearly. */
export function checkDateRange(value: string | null | undefined, argument: string): void {
  if (value && (value < '1900-01-01' || value > '2200-12-31')) {
    throw new BadUserInputError(`${argument} must be between 1900-01-01 and 2200-12-31.`, { argument });
  }
}

/** Runs `work` in one transaction; any failure rolls everything back and is translated. */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await dataSource.transaction(work);
  } catch (error) {
    throw translateDbError(error);
  }
}
