import type { EntityManager } from 'typeorm';
import { requireWriter } from '../shared/access';
import { Role, type Actor } from '../shared/actor';
import { ForbiddenError } from '../shared/errors';

/** An organisation as far as scope checks need it. */
export interface Scoped {
  name: string;
  path: string;
}

/** What a caller may change in one transaction: `require` throws FORBIDDEN outside its subtree. */
export interface WriteScope {
  require(organisation: Scoped, action: string): void;
}

const EVERYWHERE: WriteScope = { require() {} };

/**
 * The subtree an EDITOR may change (its token's organisation and everything below it, from the
 * materialised path), read inside the caller's transaction. The organisation's row is held
 * FOR SHARE until commit, so it cannot be moved elsewhere while the change is being checked and
 * made. ADMIN may change anything; VIEWER and PARTNER nothing (FORBIDDEN at once).
 */
export async function writeScope(m: EntityManager, actor: Actor, action: string): Promise<WriteScope> {
  requireWriter(actor, action);
  if (actor.role === Role.ADMIN) return EVERYWHERE;
  const [own]: Scoped[] = actor.org ? await m.query('SELECT o.name, o.path FROM organisation o WHERE o.id = $1 FOR SHARE', [actor.org]) : [];
  if (!own)
    throw new ForbiddenError(`Your token acts for organisation "${actor.org}", which does not exist here: it can change nothing.`, {
      organisationId: actor.org,
    });
  return {
    require(organisation, what) {
      if (!organisation.path.startsWith(own.path)) {
        throw new ForbiddenError(`Your token acts for "${own.name}"; "${organisation.name}" is outside its subtree, so you cannot ${what}.`, {
          actingFor: actor.org,
        });
      }
    },
  };
}
