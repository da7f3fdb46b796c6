import { getMetadataStorage as validationMetadata } from 'class-validator';
import type { GraphQLFieldResolver } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

type Resolver = GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>;
type FieldResolverMetadata = ReturnType<typeof getMetadataStorage>['fieldResolvers'][number];
type ParamMetadata = NonNullable<FieldResolverMetadata['params']>[number];

function hasValidation(type: unknown): boolean {
  return typeof type === 'function' && validationMetadata().getTargetValidationMetadatas(type, '', true, false).length > 0;
}

/** Reads one parameter of a resolver method, or returns undefined when only type-graphql's own path will do. */
function fastParam(param: ParamMetadata): ((root: unknown, args: Record<string, unknown>, ctx: unknown, info: unknown) => unknown) | undefined {
  switch (param.kind) {
    case 'root':
      return param.propertyName ? undefined : (root) => root;
    case 'context':
      return param.propertyName ? undefined : (_root, _args, ctx) => ctx;
    case 'info':
      return (_root, _args, _ctx, info) => info;
    case 'arg':
      return (_root, args) => args[param.name];
    case 'args': {
      // An args class without validation rules whose fields are all scalars: a plain copy of them.
      const type = param.getType();
      const argsClass = getMetadataStorage().argumentTypes.find((t) => t.target === type);
      if (!argsClass || hasValidation(type) || Object.getPrototypeOf(type) !== Function.prototype) return undefined;
      const names = argsClass.fields?.map((f) => f.name) ?? [];
      const ArgsClass = type as new () => Record<string, unknown>;
      return (_root, args) => {
        const value = new ArgsClass();
        for (const name of names) if (args[name] !== undefined) value[name] = args[name];
        return value;
      };
    }
    default:
      return undefined;
  }
}

type Reader = (root: unknown, args: Record<string, unknown>, ctx: unknown, info: unknown) => unknown;

const none: Reader = () => undefined;

/** `method` called with what `readers` read, without an array of arguments per call for the usual few parameters. */
function directCall(method: (...values: unknown[]) => unknown, instance: object, readers: readonly Reader[]): Resolver {
  const [a, b, c, d] = readers;
  switch (readers.length) {
    case 0:
      return () => method.call(instance);
    case 1:
      return (root, args, ctx, info) => method.call(instance, a(root, args, ctx, info));
    case 2:
      return (root, args, ctx, info) => method.call(instance, a(root, args, ctx, info), b(root, args, ctx, info));
    case 3:
      return (root, args, ctx, info) => method.call(instance, a(root, args, ctx, info), b(root, args, ctx, info), c(root, args, ctx, info));
    case 4:
      return (root, args, ctx, info) =>
        method.call(instance, a(root, args, ctx, info), b(root, args, ctx, info), c(root, args, ctx, info), d(root, args, ctx, info));
    // Connection fields take root, args, filter, order, (a flag,) context and info: five to seven,
    // called with seven values (the missing ones undefined, which the method never reads).
    case 5:
    case 6:
    case 7: {
      const [, , , , e, f = none, g = none] = readers;
      return (root, args, ctx, info) =>
        method.call(
          instance,
          a(root, args, ctx, info),
          b(root, args, ctx, info),
          c(root, args, ctx, info),
          d(root, args, ctx, info),
          e(root, args, ctx, info),
          f(root, args, ctx, info),
          g(root, args, ctx, info),
        );
    }
    default:
      return (root, args, ctx, info) =>
        method.apply(
          instance,
          readers.map((read) => read(root, args, ctx, info)),
        );
  }
}

/**
 * A direct call of a @FieldResolver method, used in place of type-graphql's generic one when it
 * gives the same result: no middleware or roles, parameters that are the root, context, info,
 * scalar arguments and args classes without validation rules. Input objects (filters, orders)
 * still go through type-graphql, which converts and validates them.
 *
 * Why: type-graphql copies the root into a new class instance, sorts the parameters, and
 * validates every argument asynchronously (re-requiring class-validator each time) for every
 * parent object; with a few hundred parents per response that was a large share of a request's
 * CPU and of its garbage.
 */
function fastResolver(meta: FieldResolverMetadata, original: Resolver): Resolver | undefined {
  if (meta.kind !== 'external' || meta.middlewares?.length || meta.roles) return undefined;
  const params = [...(meta.params ?? [])].sort((a, b) => a.index - b.index);
  const readers = params.map(fastParam);
  if (readers.some((r) => r === undefined)) return undefined;
  const inputArgs = params.filter((p): p is Extract<ParamMetadata, { kind: 'arg' }> => p.kind === 'arg').map((p) => p.name);
  const Target = meta.target as new () => Record<string, (...values: unknown[]) => unknown>;
  const instance = new Target();
  const method = instance[meta.methodName];
  if (typeof method !== 'function') return undefined;
  const call = directCall(method, instance, readers as Array<NonNullable<(typeof readers)[number]>>);
  if (inputArgs.length === 0) return call;
  return (root, args, ctx, info) => {
    // A non-null object argument (an input object or a list) needs type-graphql's conversion and validation.
    for (const name of inputArgs) {
      const value = args[name];
      if (value !== null && typeof value === 'object') return original(root, args, ctx, info);
    }
    return call(root, args, ctx, info);
  };
}

/**
 * `Type.field` of the plain data fields: no @FieldResolver method, no middleware, no roles.
 * type-graphql wraps each in a resolver that runs the (empty) middleware chain; graphql's default
 * resolver reads the same property without it.
 */
function plainFields(): Set<string> {
  const storage = getMetadataStorage();
  const plain = new Set<string>();
  for (const type of storage.objectTypes) {
    for (const field of type.fields ?? []) {
      const resolved = storage.fieldResolvers.some((r) => r.methodName === field.name && r.getObjectType?.() === field.target);
      if (!resolved && !field.middlewares?.length && !field.roles && field.name === field.schemaName) plain.add(`${type.name}.${field.schemaName}`);
    }
  }
  return plain;
}

/**
 * Lightens a resolver map built by type-graphql's createResolversMap, where that gives the same
 * answers: plain fields lose their resolver (graphql's default reads the property), and the field
 * resolvers of the given classes become direct method calls (see fastResolver).
 */
export function useDirectResolvers(resolvers: Record<string, unknown>, resolverClasses: readonly Function[]): void {
  const plain = plainFields();
  for (const [type, fields] of Object.entries(resolvers)) {
    if (typeof fields !== 'object' || fields === null) continue;
    for (const field of Object.keys(fields)) if (plain.has(`${type}.${field}`)) delete (fields as Record<string, unknown>)[field];
  }
  const storage = getMetadataStorage();
  for (const meta of storage.fieldResolvers) {
    if (!resolverClasses.includes(meta.target) || !meta.getObjectType) continue;
    const objectClass = meta.getObjectType();
    const typeName = storage.objectTypes.find((t) => t.target === objectClass)?.name;
    const fields = typeName ? (resolvers[typeName] as Record<string, unknown> | undefined) : undefined;
    const original = fields?.[meta.schemaName];
    if (!fields || typeof original !== 'function') continue;
    const fast = fastResolver(meta, original as Resolver);
    if (fast) fields[meta.schemaName] = fast;
  }
}
