import { Role, type Actor } from './actor';
import { ForbiddenError } from './errors';

/** Roles that may change anything at all (EDITOR within its subtree). */
const WRITERS: readonly Role[] = [Role.EDITOR, Role.ADMIN];

/** A VIEWER or PARTNER trying to change something: FORBIDDEN, before any work. */
export function requireWriter(actor: Actor, action: string): void {
  if (!WRITERS.includes(actor.role)) {
    throw new ForbiddenError(
      `A ${actor.role} token can read${actor.role === Role.PARTNER ? ' and subscribe' : ''} but cannot ${action}: that needs an EDITOR (within its organisation's subtree) or ADMIN token.`,
      { role: actor.role },
    );
  }
}

/** Organisations and reporting periods: ADMIN only. */
export function requireAdmin(actor: Actor, action: string): void {
  if (actor.role !== Role.ADMIN) {
    throw new ForbiddenError(`Only an ADMIN token can ${action}; this one is ${actor.role}.`, { role: actor.role });
  }
}
