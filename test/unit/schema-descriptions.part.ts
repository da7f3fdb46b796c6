import 'reflect-metadata';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType, type GraphQLSchema } from 'graphql';
import { buildApiSchema } from '../../src/app/schema';

/** Every type, field, argument, input field and enum value of the API without a description. */
export function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (what: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(what);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    // Introspection's own types, federation's (`_Service`, `_Any`, ...) and the built-in scalars are not ours to document.
    if (type.name.startsWith('_') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    const isRoot = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type as never);
    if (!isRoot) need(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.name.startsWith('_')) continue;
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing.sort();
}

describe('the API documents itself', () => {
  it('every type, field, argument, input field and enum value has a description', async () => {
    expect(undocumented(await buildApiSchema())).toEqual([]);
  });
});
