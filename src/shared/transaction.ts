import type { DataSource, EntityManager } from 'typeorm';
import { GraphQLError } from 'graphql';
import { BadUserInputError, ConflictError, ServiceUnavailableError } from './errors';

// Socket errors, admin shutdown / crash / cannot connect now, connection exceptions, too many clients.
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
/** Refusals to connect that carry a generic code (55000 for a database closed to connections). */
const CONNECTION_MESSAGES = /Connection terminated|connection timeout|Client has encountered a connection error|not currently accepting connections|the database system is (starting up|shutting down|in recovery)/i;

/** Turns database failures into API errors a client can act on; nothing of the SQL leaks. */
export function translateDbError(error: unknown): unknown {
  if (error instanceof GraphQLError) return error;
  const e = error as { code?: string; message?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code;
  // Constraint names are internal: the services check the cases users meet and say so in words;
  // these are the backstop for races between such a check and the write.
  if (code === '23505') return new ConflictError('That would duplicate an existing record; re-read and try again.');
  if (code === '23503') return new ConflictError('A record this change refers to was removed meanwhile; re-read and try again.');
  if (code === '22001') return new BadUserInputError('A value is too long.');
  if (code === '23514' || code === '22021' || code === '22P05' || code === '22P02' || code === '22007' || code === '22008' || code === '22003') {
    return new BadUserInputError('A value is out of range or malformed.');
  }
  if (code === '40001' || code === '40P01') return new ConflictError('A concurrent change got in the way; retry the request.');
  if ((code && CONNECTION_ERRORS.has(code)) || CONNECTION_MESSAGES.test(e.message ?? '')) {
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
