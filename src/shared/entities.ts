import { isUnionType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { BadUserInputError } from './errors';
import { withFields } from './objects';

/**
 * Federation's `_entities(representations: [_Any!]!)` takes any JSON: a gateway sends
 * `{ __typename, id }` objects, but an anonymous client can send anything. Every representation
 * is checked on its own: a bad one gets a BAD_USER_INPUT error in its position and the others
 * still resolve (through the same DataLoaders, so still one statement per type).
 */

/** Every entity of this subgraph is keyed by `@key(fields: "id")`. */
const KEY_FIELD = 'id';

/**
 * Bad representations reported one by one, at most. Each error costs graphql-js, graphql-jit and
 * Apollo a stack capture or two (about 0.2 ms): 20,000 of them held the event loop for 4 s. A
 * gateway never sends a malformed representation, so past this the whole field is refused with
 * one error.
 */
export const MAX_BAD_REPRESENTATIONS = 100;

function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** What is wrong with representation `index`, or null when it names an entity of `entityTypes` by a string id. */
export function representationProblem(representation: unknown, index: number, entityTypes: ReadonlySet<string>): string | null {
  if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) {
    return `Representation ${index} is ${kindOf(representation)}, not an object with __typename and id.`;
  }
  const { __typename: typename } = representation as { __typename?: unknown };
  if (typeof typename !== 'string') return `Representation ${index} has no __typename string.`;
  if (!entityTypes.has(typename)) {
    return `Representation ${index} names ${shown(typename)}, which is not an entity of this subgraph (${[...entityTypes].join(', ')}).`;
  }
  const id = (representation as Record<string, unknown>)[KEY_FIELD];
  if (typeof id !== 'string') return `Representation ${index} of ${typename} has no string id (it is ${id === undefined ? 'missing' : kindOf(id)}).`;
  return null;
}

/**
 * The key of a representation a reference resolver receives. `_entities` has already checked
 * it (see guardEntities); this keeps a resolver from ever handing a non-string to a loader.
 */
export function referenceId(reference: unknown, typename: string): string {
  const id = (reference as Record<string, unknown> | null)?.[KEY_FIELD];
  if (typeof id !== 'string') throw new BadUserInputError(`A representation of ${typename} has no string id.`, { argument: 'representations' });
  return id;
}

/**
 * Wraps the `_entities` resolver of a schema built by `buildSubgraphSchema`: representations
 * that are not objects, name no entity type (unknown, or a type such as Query that is no entity)
 * or carry no string id become an error at their own index, instead of an internal error for
 * the whole field (which @apollo/subgraph throws for an unknown __typename) or for every
 * representation of the type (a non-string key used to fail the loader's whole batch).
 */
export function guardEntities(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  if (!field?.resolve || !isUnionType(union)) throw new Error('The schema has no _entities field to guard: was it built by buildSubgraphSchema?');
  const entityTypes: ReadonlySet<string> = new Set(union.getTypes().map((type) => type.name));
  const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown, { representations: unknown[] }>;
  field.resolve = (source, args: { representations: unknown[] }, context, info) => {
    const representations = args.representations;
    const results: unknown[] = new Array(representations.length);
    const valid: unknown[] = [];
    const positions: number[] = [];
    const problems: Array<[number, string]> = [];
    representations.forEach((representation, index) => {
      const problem = representationProblem(representation, index, entityTypes);
      if (problem) problems.push([index, problem]);
      else {
        valid.push(representation);
        positions.push(index);
      }
    });
    if (problems.length > MAX_BAD_REPRESENTATIONS) {
      // Thrown before any load is queued: nothing is left running for a field that failed.
      throw new BadUserInputError(
        `${problems.length} of the ${representations.length} representations are malformed, more than the ${MAX_BAD_REPRESENTATIONS} reported one by one; none was resolved. The first: ${problems[0][1]}`,
        { argument: 'representations', malformed: problems.length, maxReported: MAX_BAD_REPRESENTATIONS },
      );
    }
    // An Error as a list item is that item's error (graphql-js and graphql-jit alike), the others resolve.
    for (const [index, problem] of problems) results[index] = new BadUserInputError(problem, { argument: 'representations', index });
    // One call for all the valid ones: their loads are queued together and batched per type.
    const resolved = valid.length ? (resolve(source, withFields(args, { representations: valid }), context, info) as unknown[]) : [];
    positions.forEach((index, k) => {
      results[index] = resolved[k];
    });
    return results;
  };
}
