import type { EntityManager } from 'typeorm';
import { BadUserInputError, NotFoundError } from '../shared/errors';
import { requireUuid } from '../shared/ids';
import type { SqlParams } from '../shared/sql';
import type { ChangeType, LoggedEvent } from './change.types';

/** A change filter with the organisation resolved to its path: matched in memory and in SQL alike. */
export interface ChangeMatcher {
  types: ChangeType[] | null;
  domains: string[] | null;
  /** Materialised path of the organisation, or null for every organisation. */
  path: string | null;
  includeDescendants: boolean;
}

export interface ChangeFilterInput {
  types?: ChangeType[] | null;
  domain?: string[] | null;
  organisationId?: string | null;
  includeDescendants?: boolean | null;
}

/** Resolves a filter once, at subscribe or query time; an unknown organisation is NOT_FOUND. */
export async function resolveMatcher(manager: EntityManager, filter: ChangeFilterInput | null | undefined, onlyTypes?: ChangeType[]): Promise<ChangeMatcher> {
  let path: string | null = null;
  if (filter?.organisationId) {
    requireUuid(filter.organisationId, 'filter.organisationId', 'organisation');
    const [row]: Array<{ path: string }> = await manager.query('SELECT path FROM organisation WHERE id = $1', [filter.organisationId]);
    if (!row) throw new NotFoundError('Organisation', filter.organisationId);
    path = row.path;
  }
  let types = filter?.types?.length ? [...new Set(filter.types)] : null;
  if (onlyTypes) types = types ? types.filter((t) => onlyTypes.includes(t)) : onlyTypes;
  if (types && types.length === 0) throw new BadUserInputError('The filter names no event type this field delivers.', { argument: 'filter.types' });
  return {
    types,
    domains: filter?.domain?.length ? [...new Set(filter.domain)] : null,
    path,
    includeDescendants: filter?.includeDescendants ?? true,
  };
}

/** Whether a logged event passes the filter (the in-memory twin of `matcherConditions`). */
export function matches(matcher: ChangeMatcher, event: LoggedEvent): boolean {
  if (matcher.types && !matcher.types.includes(event.type)) return false;
  if (matcher.domains && !matcher.domains.includes(event.payload.domain as string)) return false;
  if (matcher.path) {
    const path = matcher.path;
    const hit = matcher.includeDescendants ? event.organisationPaths.some((p) => p.startsWith(path)) : event.organisationPaths.includes(path);
    if (!hit) return false;
  }
  return true;
}

/** The same filter as SQL conditions over `change_event e`. */
export function matcherConditions(matcher: ChangeMatcher, params: SqlParams): string[] {
  const where: string[] = [];
  if (matcher.types) where.push(`e.type = ANY(${params.add(matcher.types)}::text[])`);
  if (matcher.domains) where.push(`e.payload->>'domain' = ANY(${params.add(matcher.domains)}::text[])`);
  if (matcher.path) {
    const path = params.add(matcher.path);
    where.push(
      matcher.includeDescendants
        ? `EXISTS (SELECT 1 FROM unnest(e.organisation_paths) p WHERE starts_with(p, ${path}))`
        : `${path} = ANY(e.organisation_paths)`,
    );
  }
  return where;
}
