import { registerEnumType } from 'type-graphql';

/** What a caller may do (the `role` claim of its token). */
export enum Role {
  /** Reads (queries, the change log, subscriptions). */
  VIEWER = 'VIEWER',
  /** Reads, and writes models, replications and reports within the subtree of its organisation. */
  EDITOR = 'EDITOR',
  /** Everything, organisations and reporting periods included. */
  ADMIN = 'ADMIN',
  /** A partner application: reads and subscribes, never writes. */
  PARTNER = 'PARTNER',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'What a caller may do, from the `role` claim of its token.',
  valuesConfig: {
    VIEWER: { description: 'Reads (queries, the change log, subscriptions).' },
    EDITOR: { description: 'Reads; writes models, replications and reports within the subtree of its organisation (`org` claim).' },
    ADMIN: { description: 'Everything, organisations and reporting periods included.' },
    PARTNER: { description: 'A partner application: reads and subscribes, never writes.' },
  },
});

export const ROLES: readonly Role[] = Object.values(Role);

/** Who is making a request: the subject of a verified token (or an API_TOKENS name in development). */
export interface Actor {
  /** What the change log records as the actor: the token's `sub`. */
  name: string;
  sub: string;
  role: Role;
  /** The organisation the caller acts for (`org` claim); null when the token names none. */
  org: string | null;
}

/**
 * The token of an `Authorization: Bearer <token>` value: null when nothing was sent, '' when
 * something else was (which no token matches, so it is refused rather than ignored).
 */
export function bearerToken(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  return /^Bearer\s+(.+)$/i.exec(raw.trim())?.[1]?.trim() ?? '';
}

/**
 * The caller behind a token from API_TOKENS (a development shortcut, refused in production): an
 * ADMIN whose `sub` is the token's name. Null for a token that is not one of them.
 */
export function actorForToken(token: string, tokens: ReadonlyMap<string, string>): Actor | null {
  const name = tokens.get(token);
  return name ? { name, sub: name, role: Role.ADMIN, org: null } : null;
}
