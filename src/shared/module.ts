import type { NestedPages } from './loaders';
import type { StatementCost } from './statement-costs';

/**
 * A federation reference resolver: the entity a `{ __typename, id }` representation names. It
 * reads the context of its own feature; the composition root hands every resolver the one
 * context that satisfies them all.
 */
export type ReferenceResolver = (reference: unknown, context: never) => unknown;

/** What a feature folder contributes to the service; the composition root (src/app/) assembles them. */
export interface FeatureModule {
  /** Its type-graphql resolver classes, including the fields it adds to other features' types. */
  resolvers: readonly Function[];
  /** `__resolveReference` of the entity types it owns, by type name. */
  references?: Readonly<Record<string, ReferenceResolver>>;
  /** What its fields cost in statements of their own, by `Type.field` (see statement-costs.ts). */
  statementCosts?: Readonly<Record<string, StatementCost>>;
  /** Its nested lists that a page of their parents can bring in the page's own statement round, by `Type.field` (see NestedPage). */
  nestedPages?: NestedPages;
}
