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
    const gateway = jitGateway(schemaWith(), '', { maxEntries: 3 });
    const run = await executorOf(gateway);
    for (let i = 0; i < 10; i += 1) {
      expect(await run(`{ echo(input: { text: "${i}" }) }`)).toEqual({ data: { echo: `${i}${i}` } });
      expect(gateway.compiledDocuments).toBeLessThanOrEqual(3);
    }
    expect(gateway.compiledDocuments).toBe(3);
    expect(await run('{ echo(input: { text: "0" }) }')).toEqual({ data: { echo: '00' } });
  });

  it('keeps compiled documents under its byte bound, and answers an evicted one again', async () => {
    const maxBytes = 1024 * 1024;
    const gateway = jitGateway(schemaWith(), '', { maxBytes });
    const run = await executorOf(gateway);
    // Each document is some 1.8 kB of text (about 0.4 MB estimated once compiled): a few fit.
    const doc = (i: number) => `{ ${Array.from({ length: 50 }, (_, j) => `a${j}: echo(input: { text: "${i}", times: 1 })`).join(' ')} }`;
    for (let i = 0; i < 20; i += 1) {
      const result = await run(doc(i));
      expect(result.data?.a49).toBe(String(i));
      expect(gateway.compiledCache.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(gateway.compiledCache.entries).toBeGreaterThan(0);
    expect(gateway.compiledCache.entries).toBeLessThan(20);
    expect((await run(doc(0))).data?.a0).toBe('0');
  });

  it('runs an operation of more than maxFields fields on graphql-js, without keeping it', async () => {
    const gateway = jitGateway(schemaWith(), '', { maxFields: 10 });
    const run = await executorOf(gateway);
    const wide = `{ ${Array.from({ length: 11 }, (_, j) => `a${j}: echo(input: { text: "w" })`).join(' ')} }`;
    expect((await run(wide)).data?.a10).toBe('ww');
    expect(gateway.compiledCache).toMatchObject({ entries: 0, bytes: 0, interpreted: 1 });
    expect((await run('{ echo(input: { text: "n" }) }')).data?.echo).toBe('nn');
    expect(gateway.compiledCache).toMatchObject({ entries: 1, interpreted: 1 });
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
