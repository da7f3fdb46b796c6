import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/shared/config';
import { TrustedDocuments } from '../../src/shared/trusted-documents';

describe('edge configuration: CORS, rate limit, trusted documents, introspection, document size', () => {
  it('has defaults that leave the suite and the demo alone', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      corsOrigins: [],
      rateLimitPoints: 6_000,
      rateLimitDurationS: 60,
      redisUrl: undefined,
      trustedDocuments: 'off',
      introspection: true,
      maxDocumentTokens: 20_000,
    });
    expect(fs.existsSync(config.trustedDocumentsPath)).toBe(true);
  });

  it('reads the settings', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://portal.example.org, http://localhost:3000',
      RATE_LIMIT_POINTS: '0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      TRUSTED_DOCUMENTS: 'Required',
      INTROSPECTION: 'false',
      MAX_DOCUMENT_TOKENS: '500',
    });
    expect(config).toMatchObject({
      corsOrigins: ['https://portal.example.org', 'http://localhost:3000'],
      rateLimitPoints: 0,
      redisUrl: 'redis://127.0.0.1:6379',
      trustedDocuments: 'required',
      introspection: false,
      maxDocumentTokens: 500,
    });
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each([
    [{ CORS_ORIGINS: 'https://portal.example.org/' }, /CORS_ORIGINS must be a comma-separated list of origins/],
    [{ CORS_ORIGINS: 'portal.example.org' }, /CORS_ORIGINS must be/],
    [{ CORS_ORIGINS: '*,https://a.example' }, /"\*" alone/],
    [{ RATE_LIMIT_DURATION_S: '0' }, /RATE_LIMIT_DURATION_S must be an integer between 1/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must start with redis:\/\//],
    [{ TRUSTED_DOCUMENTS: 'yes' }, /TRUSTED_DOCUMENTS must be off, optional or required/],
    [{ INTROSPECTION: 'maybe' }, /INTROSPECTION must be true or false/],
    [{ MAX_DOCUMENT_TOKENS: '10' }, /MAX_DOCUMENT_TOKENS must be an integer between 100/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses to start on a missing or damaged manifest unless trusted documents are off', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvk-trusted-'));
    const missing = path.join(dir, 'none.json');
    expect(TrustedDocuments.load({ trustedDocuments: 'off', trustedDocumentsPath: missing }).size).toBe(0);
    expect(() => TrustedDocuments.load({ trustedDocuments: 'required', trustedDocumentsPath: missing })).toThrow(/needs the manifest/);
    const damaged = path.join(dir, 'damaged.json');
    fs.writeFileSync(
      damaged,
      JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'abc', name: 'X', type: 'query', body: '{ __typename }' }] }),
    );
    expect(() => TrustedDocuments.load({ trustedDocuments: 'optional', trustedDocumentsPath: damaged })).toThrow(/damaged/);
    fs.writeFileSync(damaged, '{"operations": 3}');
    expect(() => TrustedDocuments.load({ trustedDocuments: 'optional', trustedDocumentsPath: damaged })).toThrow(/not an Apollo persisted query manifest/);
  });
});
