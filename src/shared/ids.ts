import { createHash } from 'node:crypto';
import { BadUserInputError } from './errors';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID string (any case). Anything else, a number or an array included, is not. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
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
