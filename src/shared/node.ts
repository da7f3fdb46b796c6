import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * The type each object returned through `Query.node` / `Query.nodes` was found as. Rows are plain
 * objects read by SQL, so the interface cannot tell them apart by class; the resolver that found
 * a row marks it here (weakly held: the mark goes with the row).
 */
const nodeTypes = new WeakMap<object, string>();

/** Records that `value` is a `typeName` (an object type implementing Node). */
export function markNode<T extends object>(value: T, typeName: string): T {
  nodeTypes.set(value, typeName);
  return value;
}

/**
 * Relay's Node: an object that can be fetched again by its id alone (`node(id:)`). Global ids are
 * the entities' own UUIDs, the same ids federation keys and every other field use.
 */
@InterfaceType('Node', {
  description:
    "An object that can be fetched again by its id alone, through Query.node or Query.nodes (Relay). The id is the object's UUID, the same id every other field and the federation key use.",
  resolveType: (value: object) => nodeTypes.get(value),
})
export abstract class Node {
  @Field(() => ID, { description: "The object's id: a UUID, unique across every Node type." })
  id!: string;
}
