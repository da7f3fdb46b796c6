import {
  CannotExecuteNotConnectedError,
  CannotGetEntityManagerNotConnectedError,
  ConnectionIsNotSetError,
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
  TypeORMError,
} from 'typeorm';
import { GraphQLError } from 'graphql';
import { translateDbError } from '../../src/shared/transaction';

const codeOf = (error: unknown) => (translateDbError(error) as GraphQLError).extensions?.code;

describe('translateDbError', () => {
  it.each([
    ['QueryRunnerProviderAlreadyReleasedError', new QueryRunnerProviderAlreadyReleasedError()],
    ['QueryRunnerAlreadyReleasedError', new QueryRunnerAlreadyReleasedError()],
    ['CannotExecuteNotConnectedError', new CannotExecuteNotConnectedError()],
    ['ConnectionIsNotSetError', new ConnectionIsNotSetError('postgres')],
    ['CannotGetEntityManagerNotConnectedError', new CannotGetEntityManagerNotConnectedError('default')],
    ['the driver after destroy()', new TypeORMError('Driver not Connected')],
    ['pg-pool after end()', new Error('Cannot use a pool after calling end on the pool')],
    ['pg-pool waiting for a free connection', new Error('timeout exceeded when trying to connect')],
  ])('a connection that is gone (%s) is SERVICE_UNAVAILABLE', (_name, error) => {
    // Act
    const translated = translateDbError(error);

    // Assert: a refusal the client can act on, with nothing internal in it
    expect(translated).toBeInstanceOf(GraphQLError);
    expect(codeOf(error)).toBe('SERVICE_UNAVAILABLE');
    expect((translated as GraphQLError).message).not.toMatch(/runner|TypeORM|pool|driver/i);
  });

  it('recognises TypeORM errors by name too (a second copy of TypeORM)', () => {
    // Arrange: an error that is not an instance of this copy's class
    const foreign = Object.assign(new Error('Query runner already released. Cannot run queries anymore.'), { name: 'QueryRunnerAlreadyReleasedError' });

    // Act + Assert
    expect(codeOf(foreign)).toBe('SERVICE_UNAVAILABLE');
  });

  it.each([
    ['statement_timeout (57014)', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })],
    ['lock_timeout (55P03)', Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' })],
    ["pg's client-side query_timeout", new Error('Query read timeout')],
  ])('a statement cut short by a time bound (%s) is TIMEOUT', (_name, driverError) => {
    // Arrange: as TypeORM reports it
    const error = new QueryFailedError('SELECT 1', [], driverError);

    // Act + Assert
    expect(codeOf(error)).toBe('TIMEOUT');
  });

  it('a session ended for idling in a transaction (25P03) is SERVICE_UNAVAILABLE', () => {
    const error = new QueryFailedError(
      'SELECT 1',
      [],
      Object.assign(new Error('terminating connection due to idle-in-transaction timeout'), { code: '25P03' }),
    );
    expect(codeOf(error)).toBe('SERVICE_UNAVAILABLE');
  });

  it('leaves other errors alone', () => {
    const error = new TypeORMError('something else');
    expect(translateDbError(error)).toBe(error);
  });
});
