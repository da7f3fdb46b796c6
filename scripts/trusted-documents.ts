import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { sha256, type TrustedManifest } from '../src/shared/trusted-documents';

/**
 * `npm run trusted-documents`: schema/trusted-documents.json (Apollo's persisted query manifest
 * format) from the partner operations in schema/partner-operations/*.graphql. Each operation is
 * one document: the operation and the fragments it uses (through other fragments), printed by
 * graphql-js; its id is the sha256 of that text, which clients send as
 * `extensions.persistedQuery.sha256Hash`.
 */
export const OPERATIONS_DIR = path.resolve(
  __dirname,
  '..',
  ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
  'schema',
  'partner-operations',
);
export const MANIFEST_PATH = path.join(OPERATIONS_DIR, '..', 'trusted-documents.json');

function fragmentNames(node: DefinitionNode): string[] {
  const names: string[] = [];
  visit(node, {
    FragmentSpread(spread) {
      names.push(spread.name.value);
    },
  });
  return names;
}

export function buildManifest(dir = OPERATIONS_DIR): TrustedManifest {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  const definitions = files.flatMap((file) => parse(fs.readFileSync(path.join(dir, file), 'utf8')).definitions);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operations = definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const seenNames = new Set<string>();
  const manifest: TrustedManifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [] };
  for (const operation of operations) {
    const name = operation.name?.value;
    if (!name) throw new Error('Every partner operation needs a name.');
    if (seenNames.has(name)) throw new Error(`Two partner operations are named ${name}.`);
    seenNames.add(name);
    const used = new Set<string>();
    const pending = fragmentNames(operation);
    while (pending.length) {
      const next = pending.pop()!;
      if (used.has(next)) continue;
      const fragment = fragments.get(next);
      if (!fragment) throw new Error(`${name} uses the fragment ${next}, which no file defines.`);
      used.add(next);
      pending.push(...fragmentNames(fragment));
    }
    const body = print({ kind: Kind.DOCUMENT, definitions: [operation, ...[...used].sort().map((f) => fragments.get(f)!)] });
    manifest.operations.push({ id: sha256(body), name, type: operation.operation, body });
  }
  return manifest;
}

export const manifestText = (manifest: TrustedManifest): string => `${JSON.stringify(manifest, null, 2)}\n`;

if (require.main === module) {
  fs.writeFileSync(MANIFEST_PATH, manifestText(buildManifest()));
  console.log(`wrote ${MANIFEST_PATH}`);
}
