import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorCodeLabel, knownDocuments, operationLabel, OTHER_CODE, OTHER_OPERATION } from '../../src/app/operation-labels';
import { ConfigError, loadConfig } from '../../src/shared/config';
import { sha256 } from '../../src/shared/trusted-documents';

const ROOT = path.resolve(__dirname, '..', '..');
const MANIFEST_PATH = path.join(ROOT, 'schema', 'trusted-documents.json');
const MANIFEST = JSON.parse(fs.readFileSync(MANIFEST_PATH, 'utf8')) as { operations: Array<{ name: string; body: string }> };

describe('operationLabel', () => {
  const known = knownDocuments(MANIFEST_PATH);

  it('names every trusted document and every saved question by its own operation name', () => {
    for (const op of MANIFEST.operations) expect(operationLabel(known, sha256(op.body), op.name)).toBe(op.name);
    const saved = fs.readFileSync(path.join(ROOT, 'schema', 'operations', '03-most-replicated.graphql'), 'utf8');
    const name = /query\s+(\w+)/.exec(saved.replace(/#[^\n]*/g, ''))![1];
    expect(operationLabel(known, sha256(saved), name)).toBe(name);
  });

  it('puts everything else under one label: another document with a known name, a known document under another name, anonymous, no hash', () => {
    const [first, second] = MANIFEST.operations;
    expect(operationLabel(known, sha256(`query ${first.name} { __typename }`), first.name)).toBe(OTHER_OPERATION);
    expect(operationLabel(known, sha256(first.body), second.name)).toBe(OTHER_OPERATION);
    expect(operationLabel(known, sha256(first.body), null)).toBe(OTHER_OPERATION);
    expect(operationLabel(known, undefined, first.name)).toBe(OTHER_OPERATION);
    const hostile = new Set(Array.from({ length: 100 }, (_, i) => operationLabel(known, sha256(`query X${i} { __typename }`), `X${i}`)));
    expect([...hostile]).toEqual([OTHER_OPERATION]);
  });

  it('knows no trusted document when the manifest is missing, and still knows the saved questions', () => {
    const none = knownDocuments(path.join(os.tmpdir(), 'no-such-manifest.json'));
    expect(operationLabel(none, sha256(MANIFEST.operations[0].body), MANIFEST.operations[0].name)).toBe(OTHER_OPERATION);
    expect(none.size).toBeGreaterThan(0);
  });
});

describe('errorCodeLabel', () => {
  it('keeps the closed set of codes, ours and Apollo’s, and maps anything else to one label', () => {
    for (const code of [
      'BAD_USER_INPUT',
      'RATE_LIMITED',
      'SUBSCRIBER_TOO_SLOW',
      'INTERNAL_SERVER_ERROR',
      'GRAPHQL_VALIDATION_FAILED',
      'PERSISTED_QUERY_NOT_FOUND',
    ])
      expect(errorCodeLabel(code)).toBe(code);
    for (const code of ['EVIL', '', 42, undefined, null, { toString: () => 'BAD_USER_INPUT' }]) expect(errorCodeLabel(code)).toBe(OTHER_CODE);
  });
});

describe('METRICS_* configuration', () => {
  it('defaults to metrics on the API port', () => {
    const config = loadConfig({});
    expect([config.metricsEnabled, config.metricsPort]).toEqual([true, 0]);
  });

  it('reads METRICS_ENABLED and METRICS_PORT, and refuses bad values with one line', () => {
    expect(loadConfig({ METRICS_ENABLED: 'false', METRICS_PORT: '9464' })).toMatchObject({ metricsEnabled: false, metricsPort: 9464 });
    for (const env of [
      { METRICS_ENABLED: 'maybe' },
      { METRICS_PORT: '70000' },
      { METRICS_PORT: 'x' },
      { METRICS_PORT: '4000' },
      { PORT: '9464', METRICS_PORT: '9464' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });
});
