import fs from 'node:fs';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { loadSavedOperations } from '../ide/saved-operations';
import type { ErrorCode } from '../shared/errors';
import { sha256, type TrustedManifest } from '../shared/trusted-documents';

/**
 * Metric labels a caller cannot multiply. An operation name is a label only when the document is
 * one the project knows (a trusted document of the manifest, or a saved question of
 * `schema/operations/`), matched by the sha256 of its text (Apollo's queryHash) and by name;
 * any other document, a name the caller made up or an anonymous one, is OTHER_OPERATION.
 */
export const OTHER_OPERATION = 'other';

/** Error codes outside the closed set below are counted under this one. */
export const OTHER_CODE = 'OTHER';

/** Known documents: the sha256 of a document's text → the names of its operations. */
export type KnownDocuments = ReadonlyMap<string, ReadonlySet<string>>;

/** The label of an operation: its name if `hash` is a known document that names it, else OTHER_OPERATION. */
export function operationLabel(known: KnownDocuments, hash: string | undefined | null, name: string | undefined | null): string {
  if (!hash || !name) return OTHER_OPERATION;
  return known.get(hash)?.has(name) ? name : OTHER_OPERATION;
}

/** Every code of src/shared/errors.ts (a code added there must be added here: the compiler says so). */
const OUR_CODES: Record<ErrorCode, true> = {
  BAD_USER_INPUT: true,
  NOT_FOUND: true,
  UNAUTHENTICATED: true,
  FORBIDDEN: true,
  CONFLICT: true,
  QUERY_TOO_COMPLEX: true,
  SERVICE_UNAVAILABLE: true,
  TIMEOUT: true,
  TOO_MANY_SUBSCRIPTIONS: true,
  SUBSCRIBER_TOO_SLOW: true,
  RESPONSE_TOO_LARGE: true,
  RATE_LIMITED: true,
  PERSISTED_QUERY_NOT_ALLOWED: true,
  INTERNAL_SERVER_ERROR: true,
};

/** Ours and Apollo's own (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, PERSISTED_QUERY_NOT_FOUND, ...). */
const KNOWN_CODES: ReadonlySet<string> = new Set<string>([...Object.keys(OUR_CODES), ...Object.values(ApolloServerErrorCode)]);

/** The label of an error's `extensions.code`: one of the closed set, else OTHER_CODE (also when it has none). */
export function errorCodeLabel(code: unknown): string {
  return typeof code === 'string' && KNOWN_CODES.has(code) ? code : OTHER_CODE;
}

function add(known: Map<string, Set<string>>, document: string, names: readonly string[]): void {
  const hash = sha256(document);
  const set = known.get(hash) ?? new Set<string>();
  for (const name of names) set.add(name);
  known.set(hash, set);
}

/**
 * The documents whose operation names become labels: the trusted documents manifest (read whatever
 * TRUSTED_DOCUMENTS is, when the file is there) and the saved questions. Read once at start.
 */
export function knownDocuments(manifestPath: string, savedDir?: string | null): KnownDocuments {
  const known = new Map<string, Set<string>>();
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as TrustedManifest;
    for (const op of manifest.operations ?? []) if (typeof op.body === 'string' && typeof op.name === 'string') add(known, op.body, [op.name]);
  } catch {
    // No manifest (or not readable): its documents simply are not known. TRUSTED_DOCUMENTS checks it when it is on.
  }
  for (const saved of savedDir === undefined ? loadSavedOperations() : loadSavedOperations(savedDir)) add(known, saved.document, saved.operationNames);
  return known;
}
