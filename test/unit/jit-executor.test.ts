import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { GraphQLInt, GraphQLInputObjectType, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { jitGateway } from '../../src/shared/jit-executor';

/** A small real schema: `echo(input: { text: String!, times: Int! = 2 })` repeats the text. */
function schemaWith(inputScalar = GraphQLString): GraphQLSchema {
  const EchoInput = new GraphQLInputObjectType({
    name: 'EchoInput',
    fields: { text: { type: new GraphQLNonNull(inputScalar) }, times: { type: new GraphQLNonNull(GraphQLInt), defaultValue: 2 } },
  });
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        echo: {
          type: GraphQLString,
          args: { input: { type: new GraphQLNonNull(EchoInput) } },
          resolve: (_root, { input }: { input: { text: string; times: number } }) => String(input.text).repeat(input.times),
        },
      },
    }),
  });
}

async function executorOf(gateway: ReturnType<typeof jitGateway>) {
  const { executor } = await gateway.load({ apollo: {} } as Parameters<typeof gateway.load>[0]);
  if (!executor) throw new Error('the gateway gave no executor');
  return (query: string, variables?: Record<string, unknown>) =>
    executor({ document: parse(query), request: { query, variables }, context: {}, operationName: null } as unknown as GatewayGraphQLRequestContext);
}

describe('jitGateway', () => {
  it('keeps at most its bound of compiled documents, and answers an evicted one again', async () => {
    const gateway = jitGateway(schemaWith(), '', 3);
    const run = await executorOf(gateway);
    for (let i = 0; i < 10; i += 1) {
      expect(await run(`{ echo(input: { text: "${i}" }) }`)).toEqual({ data: { echo: `${i}${i}` } });
      expect(gateway.compiledDocuments).toBeLessThanOrEqual(3);
    }
    expect(gateway.compiledDocuments).toBe(3);
    expect(await run('{ echo(input: { text: "0" }) }')).toEqual({ data: { echo: '00' } });
  });

  it('applies the default of a non-null input field given through a variable', async () => {
    const run = await executorOf(jitGateway(schemaWith(), ''));
    expect(await run('query($input: EchoInput!) { echo(input: $input) }', { input: { text: 'ab' } })).toEqual({ data: { echo: 'abab' } });
  });

  it('reports a variable that does not coerce with graphql-js’s message', async () => {
    const run = await executorOf(jitGateway(schemaWith(), ''));
    const result = await run('query($input: EchoInput!) { echo(input: $input) }', { input: { times: 1 } });
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0].message).toBe('Variable "$input" got invalid value { times: 1 }; Field "text" of required type "String!" was not provided.');
  });

  it('refuses a schema whose input scalar is not known to survive a second coercion', () => {
    const Upper = new GraphQLScalarType({ name: 'Upper', parseValue: (v) => String(v).toUpperCase() });
    expect(() => jitGateway(schemaWith(Upper), '')).toThrow(/Input scalar Upper/);
  });
});
