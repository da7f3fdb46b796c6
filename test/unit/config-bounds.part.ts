import { ConfigError, loadConfig } from '../../src/shared/config';

describe('time and pool bounds in the configuration', () => {
  it('has bounded defaults', () => {
    // Act
    const config = loadConfig({});

    // Assert
    expect(config).toMatchObject({
      requestTimeoutMs: 15_000,
      readyTimeoutMs: 2_000,
      dbStatementTimeoutMs: 10_000,
      dbQueryTimeoutMs: 15_000,
      dbLockTimeoutMs: 0,
      dbIdleInTransactionTimeoutMs: 30_000,
      dbConnectTimeoutMs: 5_000,
      dbListenPingMs: 10_000,
      dbMaxConcurrentPerRequest: 2,
    });
  });

  it('derives the client-side bound and the per-request share from what is set', () => {
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '2000' }).dbQueryTimeoutMs).toBe(7_000);
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' }).dbQueryTimeoutMs).toBe(0);
    expect(loadConfig({ DB_POOL_SIZE: '3' }).dbMaxConcurrentPerRequest).toBe(1);
    expect(loadConfig({ DB_POOL_SIZE: '40' }).dbMaxConcurrentPerRequest).toBe(10);
  });

  it.each([
    [{ REQUEST_TIMEOUT_MS: 'soon' }, /REQUEST_TIMEOUT_MS must be an integer/],
    [{ READY_TIMEOUT_MS: '0' }, /READY_TIMEOUT_MS must be an integer between 100/],
    [{ DB_CONNECT_TIMEOUT_MS: '-1' }, /DB_CONNECT_TIMEOUT_MS must be an integer/],
    [{ DB_STATEMENT_TIMEOUT_MS: '5000', DB_QUERY_TIMEOUT_MS: '5000' }, /DB_QUERY_TIMEOUT_MS must be longer than DB_STATEMENT_TIMEOUT_MS/],
    [{ DB_POOL_SIZE: '4', DB_MAX_CONCURRENT_PER_REQUEST: '5' }, /DB_MAX_CONCURRENT_PER_REQUEST must not exceed DB_POOL_SIZE/],
    [{ DB_MAX_CONCURRENT_PER_REQUEST: '0' }, /DB_MAX_CONCURRENT_PER_REQUEST must be an integer between 1/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
