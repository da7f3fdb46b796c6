import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Every environment variable src/shared/config.ts reads: `env.NAME`, and the `…Var(env, 'NAME', …)` readers. */
function variablesRead(): string[] {
  const source = fs.readFileSync(path.join(ROOT, 'src', 'shared', 'config.ts'), 'utf8');
  const names = new Set<string>();
  for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b|Var\(env, '([A-Z][A-Z0-9_]*)'/g)) names.add(match[1] ?? match[2]);
  return [...names].sort();
}

test("every variable the configuration reads is in the README's configuration table", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'));
  const variables = variablesRead();
  // The reader itself is checked: it finds the variables of every part of the configuration.
  expect(variables).toEqual(
    expect.arrayContaining(['DATABASE_URL', 'LOG_LEVEL', 'METRICS_PORT', 'DATABASE_REPLICA_URLS', 'OTEL_SERVICE_NAME', 'RATE_LIMIT_POINTS']),
  );
  const undocumented = variables.filter(
    (name) => !new RegExp('\\| `' + name + '[`=]').test(table) && !table.includes('`' + name + '=') && !table.includes('`' + name + '`'),
  );
  expect(undocumented).toEqual([]);
});
