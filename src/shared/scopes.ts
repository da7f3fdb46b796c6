/**
 * Who may do what, as the subgraph SDL tells a router (`@authenticated`, `@requiresScopes`): every
 * mutation needs a signed-in caller, and a scope by what it changes. Roles map to scopes:
 * ADMIN → `dvk:admin` (which also allows everything `dvk:write` allows), EDITOR → `dvk:write`.
 * Queries and subscriptions are open (the movement's figures are public).
 */
export const SCOPES = { write: 'dvk:write', admin: 'dvk:admin' } as const;

/** The scopes each role carries (a token's `scope` claim holds them, space-separated). */
export const ROLE_SCOPES: Readonly<Record<'ADMIN' | 'EDITOR', readonly string[]>> = {
  ADMIN: [SCOPES.admin, SCOPES.write],
  EDITOR: [SCOPES.write],
};

/** What a mutation changes: the organisation tree and reporting periods are the administrators'. */
export type MutationAccess = 'write' | 'admin';

/** Mutations that need `dvk:admin`; every other mutation needs `dvk:write` (or `dvk:admin`). */
export const ADMIN_MUTATIONS: ReadonlySet<string> = new Set([
  'createOrganisation',
  'updateOrganisation',
  'archiveOrganisation',
  'restoreOrganisation',
  'createReportingPeriod',
]);

export function mutationAccess(field: string): MutationAccess {
  return ADMIN_MUTATIONS.has(field) ? 'admin' : 'write';
}

/** `@requiresScopes` alternatives (outer list: any of; inner list: all of) for a mutation. */
export function requiredScopes(access: MutationAccess): string[][] {
  return access === 'admin' ? [[SCOPES.admin]] : [[SCOPES.write], [SCOPES.admin]];
}
