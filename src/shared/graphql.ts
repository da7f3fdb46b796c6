import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Context } from '../context';
import type { Actor } from './actor';
import { UnauthenticatedError } from './errors';

/** Whether the current field's selection asks for `name` (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === name;
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      return visit(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node: FieldNode) => visit(node.selectionSet));
}

/** Mutations need a caller when API tokens are configured. */
export function requireActor(ctx: Context): Actor {
  if (ctx.actor) return ctx.actor;
  if (ctx.config.apiTokens.size > 0) throw new UnauthenticatedError();
  return { name: 'anonymous' };
}

/** Cost of a connection field: the page size times the cost of one item (+1 for the field). */
export function connectionComplexity({ args, childComplexity }: ComplexityEstimatorArgs): number {
  const size = Number(args.first ?? args.last ?? 20) || 0;
  return 1 + Math.max(size, 1) * Math.max(childComplexity, 1);
}

/** Cost of an unpaged list field whose length is bounded but unknown (e.g. lineage). */
export function listComplexity(expected: number) {
  return ({ childComplexity }: ComplexityEstimatorArgs): number => 1 + expected * Math.max(childComplexity, 1);
}
