import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type FieldDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ScalarTypeDefinitionNode,
} from 'graphql';
import { ASSUMED_PAGE_SIZE, connectionComplexity } from '../shared/graphql';
import type { FieldCosts } from '../shared/limits.plugin';
import { mutationAccess, requiredScopes } from '../shared/scopes';
import { AGGREGATE_COST } from '../shared/statement-costs';

/**
 * The directives a router acts on before a request reaches us, generated from the rules the server
 * enforces itself:
 * - `@authenticated` and `@requiresScopes` on every mutation (src/shared/scopes.ts);
 * - `@cost` and `@listSize` (the IBM cost spec, Federation 2.9) from the same cost model as
 *   MAX_QUERY_COMPLEXITY: a connection costs its page size (`first`/`last`, 20 when omitted) ×
 *   the cost of one edge; an unpaged list its expected length × the cost of one item; a field with
 *   statements of its own (the features' `statementCosts`) weighs 1 + that cost (a cost that
 *   depends on the arguments weighs its worst case).
 */

/** The directives of `@x(...) @y(...)` written as SDL. */
function directives(text: string): readonly ConstDirectiveNode[] {
  return (parse(`scalar X ${text}`).definitions[0] as ScalarTypeDefinitionNode).directives ?? [];
}

const strings = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/** The `@listSize` of a field priced by page size or expected length, or '' for other fields. */
function listSizeOf(field: GraphQLField<unknown, unknown>, complexity: unknown): string {
  const returned = getNullableType(field.type);
  const target = getNamedType(field.type);
  if (complexity === connectionComplexity) {
    const slicing = field.args.filter((a) => a.name === 'first' || a.name === 'last').map((a) => a.name);
    const edges = isObjectType(target) && target.getFields().edges ? ['edges'] : [];
    if (!edges.length) return '';
    const slicingPart = slicing.length ? `, slicingArguments: ${strings(slicing)}, requireOneSlicingArgument: false` : '';
    return `@listSize(assumedSize: ${ASSUMED_PAGE_SIZE}${slicingPart}, sizedFields: ${strings(edges)})`;
  }
  const assumed = (complexity as { assumedSize?: unknown } | undefined)?.assumedSize;
  if (typeof assumed !== 'number') return '';
  if (isListType(returned)) return `@listSize(assumedSize: ${assumed})`;
  // An object holding lists (a path of models and links): the size applies to each of them.
  if (!isObjectType(target)) return '';
  const lists = Object.values(target.getFields())
    .filter((f) => isListType(getNullableType(f.type)))
    .map((f) => f.name);
  return lists.length ? `@listSize(assumedSize: ${assumed}, sizedFields: ${strings(lists)})` : '';
}

/** `@cost` of a field with statements of its own, or ''. */
function costOf(key: string, costs: FieldCosts): string {
  const statement = costs.statements.get(key);
  if (statement === undefined) return '';
  const worst = typeof statement === 'number' ? statement : Math.max(AGGREGATE_COST, statement({}));
  return `@cost(weight: ${1 + worst})`;
}

/** The SDL text of every directive a field gets here. */
export function fieldDirectives(schema: GraphQLSchema, typeName: string, fieldName: string, costs: FieldCosts): string {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) return '';
  const field = type.getFields()[fieldName];
  if (!field) return '';
  const parts: string[] = [];
  if (type === schema.getMutationType()) {
    parts.push('@authenticated', `@requiresScopes(scopes: ${JSON.stringify(requiredScopes(mutationAccess(fieldName)))})`);
  }
  const key = `${typeName}.${fieldName}`;
  parts.push(listSizeOf(field, costs.complexity.get(key)), costOf(key, costs));
  return parts.filter(Boolean).join(' ');
}

/** `sdl` (printed from `schema`) with the access and cost directives on its fields. */
export function withRouterDirectives(sdl: string, schema: GraphQLSchema, costs: FieldCosts): string {
  const document = visit(parse(sdl), {
    ObjectTypeDefinition(node: ObjectTypeDefinitionNode) {
      const fields = node.fields?.map((field): FieldDefinitionNode => {
        const text = fieldDirectives(schema, node.name.value, field.name.value, costs);
        return text ? { ...field, directives: [...(field.directives ?? []), ...directives(text)] } : field;
      });
      return { ...node, fields };
    },
  });
  return print(document);
}
