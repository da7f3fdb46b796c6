import { buildSchema, execute, parse, type ExecutionResult, type GraphQLFieldResolver, type GraphQLObjectType } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';

/*
 * graphql-jit is patched (patches/graphql-jit+0.8.9.patch, applied by `npm install`): a leaf, a
 * resolver call and a list item no longer allocate on their way when nothing fails. These tests
 * hold the patched code to graphql-js's answers where something does fail: null in a non-null
 * leaf, an Error as a value, a value the serializer refuses or throws on, a resolver that throws
 * or rejects, promises in lists, and error paths three lists deep.
 */

const schema = buildSchema(`
  type Query {
    items: [Item]!
    strictItems: [Item!]
    grid: [[[Item]]]
  }
  type Item {
    id: ID!
    name: String!
    maybe: String
    count: Int!
    badCount: Int
    symbolName: String
    throwing: String
    throwingStrict: String!
    rejecting: String
    asyncName: String!
    errorValue: String
    strictErrorValue: String!
    tags: [String!]
    children: [Item!]!
  }
`);

/**
 * One item per way of failing, each failing in that one way only: where a non-null field fails,
 * graphql-js stops executing the object's other fields while graphql-jit runs them all (their
 * errors differ by design), so no object here fails twice.
 */
type Failure =
  | 'none'
  | 'nullName'
  | 'badCount'
  | 'invalidBadCount'
  | 'symbolName'
  | 'throwing'
  | 'throwingStrict'
  | 'rejecting'
  | 'asyncNull'
  | 'errorValue'
  | 'strictErrorValue'
  | 'nullTag'
  | 'nullChildName';

interface Item {
  id: string;
  fail: Failure;
}

const item = (id: string, fail: Failure = 'none'): Item => ({ id, fail });
const failures: Failure[] = [
  'nullName',
  'badCount',
  'invalidBadCount',
  'symbolName',
  'throwing',
  'throwingStrict',
  'rejecting',
  'asyncNull',
  'errorValue',
  'strictErrorValue',
  'nullTag',
  'nullChildName',
];

const resolvers: Record<string, GraphQLFieldResolver<Item, unknown>> = {
  name: (it) => (it.fail === 'nullName' ? null : `Tên ${it.id}`),
  maybe: (it) => (it.id.length % 2 ? null : `m ${it.id}`),
  count: (it) => (it.fail === 'badCount' ? 'six' : it.id.length),
  badCount: (it) => (it.fail === 'invalidBadCount' ? Number.NaN : 3),
  symbolName: (it) => (it.fail === 'symbolName' ? Symbol('s') : 'named'),
  throwing: (it) => {
    if (it.fail === 'throwing') throw new Error(`throwing ${it.id}`);
    return 'fine';
  },
  throwingStrict: (it) => {
    if (it.fail === 'throwingStrict') throw new Error(`throwingStrict ${it.id}`);
    return 'fine';
  },
  rejecting: (it) => (it.fail === 'rejecting' ? Promise.reject(new Error(`rejecting ${it.id}`)) : Promise.resolve('fine')),
  asyncName: (it) => Promise.resolve(it.fail === 'asyncNull' ? null : `async ${it.id}`),
  errorValue: (it) => (it.fail === 'errorValue' ? new Error(`errorValue ${it.id}`) : 'fine'),
  strictErrorValue: (it) => (it.fail === 'strictErrorValue' ? new Error(`strictErrorValue ${it.id}`) : 'fine'),
  tags: (it) => (it.fail === 'nullTag' ? ['a', null, 'c'] : ['a', 'b']),
  children: (it) => (it.fail === 'nullChildName' ? [item(`${it.id}.1`), item(`${it.id}.2`, 'nullName')] : [item(`${it.id}.1`)]),
};
const itemType = schema.getType('Item') as GraphQLObjectType;
for (const [name, resolve] of Object.entries(resolvers)) itemType.getFields()[name].resolve = resolve as GraphQLFieldResolver<unknown, unknown>;

/** Fresh for each execution: the rejected promises in lists are made, and handled, there. */
function rootValue() {
  const rejected = Promise.reject(new Error('an item was rejected'));
  rejected.catch(() => undefined);
  return {
    items: [
      item('a'),
      Promise.resolve(item('b')),
      null,
      new Error('an item failed'),
      rejected,
      ...failures.map((fail, i) => (i % 2 ? Promise.resolve(item(`f${i}`, fail)) : item(`f${i}`, fail))),
      item('z'),
    ],
    strictItems: [item('s1'), null, item('s2')],
    grid: [
      [[item('g1'), null, item('g2', 'throwing')], [item('g3', 'nullName')]],
      [[Promise.resolve(item('g4', 'badCount')), item('g5', 'symbolName')], null, [new Error('a grid cell failed')]],
    ],
  };
}

/** What a client sees: data, and each error's message, path and locations, in a stable order. */
function comparable(result: ExecutionResult) {
  const plain = JSON.parse(JSON.stringify(result)) as ExecutionResult;
  const errors = (plain.errors ?? []).map((e) => ({ message: e.message, path: e.path, locations: e.locations }));
  errors.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { data: plain.data, errors };
}

async function both(query: string) {
  const document = parse(query);
  const compiled = compileQuery(schema, document, undefined, { disablingCapturingStackErrors: true, debug: true } as Parameters<typeof compileQuery>[3]);
  if (!isCompiledQuery(compiled)) throw new Error(`did not compile: ${JSON.stringify(compiled)}`);
  const jit = await compiled.query(rootValue(), {}, {});
  const reference = await execute({ schema, document, rootValue: rootValue(), contextValue: {} });
  const code = String((compiled as unknown as Record<string, unknown>).__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation);
  return { jit: comparable(jit), reference: comparable(reference), code };
}

describe('graphql-jit as patched: the same answers and errors as graphql-js', () => {
  it('a list of items, each field failing in its own way', async () => {
    const { jit, reference, code } = await both(`{
      items {
        id name maybe count badCount symbolName throwing rejecting asyncName errorValue tags
        children { id name }
      }
    }`);
    expect(reference.errors.length).toBeGreaterThan(10);
    expect(jit).toEqual(reference);
    // The patched code generation is what ran: no per-leaf runtime check, no resolver closure call.
    expect(code).not.toMatch(/checkNonNullLeaf|checkNullableLeaf|callResolver\(|safeMap\(/);
  });

  it('non-null errors bubble to the nearest nullable parent, from leaves, Error values and throwing resolvers', async () => {
    const { jit, reference } = await both(`{
      items { id strictErrorValue }
      strictItems { id name }
      again: items { id throwingStrict }
    }`);
    expect(reference.errors.length).toBeGreaterThan(3);
    expect(jit).toEqual(reference);
  });

  it('error paths three lists deep carry every index', async () => {
    const { jit, reference } = await both('{ grid { id name count symbolName throwing asyncName } }');
    expect(reference.errors.some((e) => e.path?.length === 5)).toBe(true);
    expect(jit).toEqual(reference);
  });
});
