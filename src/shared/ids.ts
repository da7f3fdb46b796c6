import { createHash } from 'node:crypto';
import { BadUserInputError } from './errors';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID_RE = new RegExp(`^${UUID}$`, 'i');
/** UUIDs separated by commas, nothing else. */
const UUID_LIST_RE = new RegExp(`^${UUID}(?:,${UUID})*$`, 'i');

/** Whether `value` is a UUID string (any case). Anything else, a number or an array included, is not. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/**
 * Whether `joined` is exactly `count` UUIDs separated by commas (ids joined with ','): one test
 * for a few hundred ids, cheaper than one isUuid each. Only when every id is a UUID does the
 * joined text have that length and that form.
 */
export function isUuidList(joined: string, count: number): boolean {
  return count > 0 && joined.length === count * 37 - 1 && UUID_LIST_RE.test(joined);
}

/** A deterministic name-based UUID (RFC 4122 version 5 layout) for seeded records. */
export function stableUuid(namespace: string, name: string): string {
  const hash = createHash('sha1').update(`${namespace}:${name}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `value` when it is a UUID; otherwise BAD_USER_INPUT naming the argument. Every id a caller
 * sends is checked the same way: a malformed id is BAD_USER_INPUT everywhere (inputs, bare
 * arguments, filters, lookups, `_entities`), and a well-formed id that names nothing is NOT_FOUND
 * where the thing must exist, or null from a nullable lookup.
 */
export function requireUuid(value: unknown, argument: string, entity: string): string {
  if (isUuid(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : typeof value;
  const article = /^[aeiou]/i.test(entity) ? 'an' : 'a';
  throw new BadUserInputError(`${argument} must be ${article} ${entity} id (a UUID); got ${shown}.`, { argument });
}
