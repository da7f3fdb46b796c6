import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import v8 from 'node:v8';
import { LRUCache } from 'lru-cache';
import { DEFAULT_COMPILED_CACHE_MAX_BYTES, DEFAULT_JIT_MAX_FIELDS } from './config';

/**
 * Custom scalars whose `parseValue` gives back a value it accepts again unchanged. Variables are
 * coerced twice (see below), so every scalar an input can hold must be listed here; the server
 * refuses to start otherwise.
 */
const RECOERCIBLE_SCALARS = new Set([
  'LocalDate', // graphql-scalars: checks a YYYY-MM-DD string and returns it
  '_Any', // Federation's entity representations: parseValue is the identity
]);

/**
 * Compiled operations kept, least recently used dropped first, at most this many and at most
 * `maxBytes` (estimated) in all: a client sending ever new documents costs a compilation each
 * time, never unbounded memory.
 */
export const MAX_COMPILED_DOCUMENTS = 1000;

/**
 * Estimated heap of one cache entry. Measured with graphql-jit 0.8 on this schema (node
 * --expose-gc, heap after gc, 30–200 documents per shape): the parsed document and its tokens take
 * 27–77 bytes per character of source (a compiled entry keeps the document alive through its
 * operation node and graphql-jit's context, even after Apollo's document cache dropped it), and
 * the generated code 0.3–2.6 bytes per character of generated JavaScript (2.6 for a wide document
 * with graphql-jit as patched: `node dist/bench/jit-size.js`). The factors err high.
 */
export const AST_BYTES_PER_SOURCE_CHAR = 80;
export const BYTES_PER_GENERATED_CHAR = 3;
const ENTRY_OVERHEAD_BYTES = 2_048;

export interface CompiledCacheOptions {
  /** Estimated bytes of compiled operations kept in all (COMPILED_CACHE_MAX_BYTES). */
  maxBytes: number;
  /** Compiled operations kept, whatever their size. */
  maxEntries: number;
  /**
   * Operations selecting more fields than this (fragments expanded, per spread) run on graphql-js
   * instead of being compiled (JIT_MAX_FIELDS): graphql-jit's code, memory and compile time grow
   * with the selection (90 aliases of a 35-field selection: 2.3 MB of code, 7.5 MB of heap and
   * 170–530 ms to compile), while such a document is rarely sent twice, so compiling it cannot pay off.
   */
  maxFields: number;
}

export const DEFAULT_COMPILED_CACHE: CompiledCacheOptions = {
  maxBytes: DEFAULT_COMPILED_CACHE_MAX_BYTES,
  maxEntries: MAX_COMPILED_DOCUMENTS,
  maxFields: DEFAULT_JIT_MAX_FIELDS,
};

/** What the compiled-operation cache holds now, and how often documents ran on graphql-js instead. */
export interface CompiledCacheStats {
  entries: number;
  /** Estimated bytes of the entries (see AST_BYTES_PER_SOURCE_CHAR). */
  bytes: number;
  maxBytes: number;
  /** Operations that ran on graphql-js because they select more than `maxFields` fields. */
  interpreted: number;
}

interface Compiled {
  operation: OperationDefinitionNode;
  query: CompiledQuery;
}

interface Entry {
  compiled: Compiled | ExecutionResult;
  bytes: number;
}

/** Fields an operation selects, fragments expanded (each fragment counted once, times its spreads). */
export function selectedFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const perFragment = new Map<string, number>();
  const count = (set: SelectionSetNode | undefined): number => {
    let n = 0;
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) n += 1 + count(sel.selectionSet);
      else if (sel.kind === Kind.INLINE_FRAGMENT) n += count(sel.selectionSet);
      else {
        let known = perFragment.get(sel.name.value);
        if (known === undefined) {
          perFragment.set(sel.name.value, 0); // a cycle (refused by validation anyway) adds nothing
          known = count(fragments.get(sel.name.value)?.selectionSet);
          perFragment.set(sel.name.value, known);
        }
        n += known;
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}

/**
 * Executes operations with graphql-jit instead of graphql-js: each document is compiled once to a
 * JavaScript function that walks the selection set without graphql-js's per-field bookkeeping.
 * On the dashboard document this cuts the Node time per request by about 40 % (bench/README.md).
 *
 * - Apollo Server takes a custom executor only through its gateway interface, so this is a
 *   "gateway" that serves one fixed, local schema.
 * - Compiled operations are kept by query hash and operation name (not by the parsed document,
 *   which Apollo re-parses after its own cache dropped it), bounded by count and by estimated
 *   bytes (`CompiledCacheOptions`); operations over `maxFields` fields run on graphql-js.
 * - Variables are coerced by graphql-js first, so defaults, coercion rules and error messages stay
 *   exactly graphql-js's: graphql-jit's own coercion leaves out the default of a non-null input
 *   field (`status: ModelStatus! = ACTIVE`) and reports it as missing. The coerced values then go
 *   through graphql-jit's coercion unchanged, which is why input scalars must be re-coercible.
 * - Requests that ask for a federated trace (ftv1) run on graphql-js, which carries Apollo's
 *   per-field trace hooks.
 */
/** The gateway Apollo Server runs operations through, with its compiled-operation cache's figures. */
export type JitGateway = GatewayInterface & { readonly compiledDocuments: number; readonly compiledCache: CompiledCacheStats };

export function jitGateway(schema: GraphQLSchema, sdl: string, options: Partial<CompiledCacheOptions> = {}): JitGateway {
  assertInputsRecoercible(schema);
  disableCompilationCache();
  const { maxBytes, maxEntries, maxFields } = { ...DEFAULT_COMPILED_CACHE, ...options };
  const listeners = new Set<(schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();
  // Least recently used first out, by count and by estimated bytes; an entry larger than the
  // whole budget would only flush everything else, so it is not kept (lru-cache's maxEntrySize).
  const cache = new LRUCache<string, Entry>({ max: maxEntries, maxSize: maxBytes, sizeCalculation: (entry) => entry.bytes });
  let interpreted = 0;

  /** The compiled operation, or null when the operation is to run on graphql-js. */
  const compile = (document: DocumentNode, source: string, key: string, operationName: string | undefined): Compiled | ExecutionResult | null => {
    const known = cache.get(key);
    if (known) return known.compiled;
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      // Apollo turns this into a 400, as it does graphql-js's own message.
      return {
        errors: [
          new GraphQLError(
            operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.',
          ),
        ],
      };
    }
    if (selectedFieldCount(document, operation) > maxFields) {
      interpreted += 1;
      return null;
    }
    // Errors skip the stack capture; leaves keep graphql-js's serialisation (our scalars and enums).
    // `debug` hands back the generated code, whose length sizes the entry; it is not kept.
    const query = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true, debug: true } as Parameters<typeof compileQuery>[3]);
    const code = GENERATED_CODE in query ? String((query as Record<string, unknown>)[GENERATED_CODE]) : '';
    delete (query as Record<string, unknown>)[GENERATED_CODE];
    const compiled: Compiled | ExecutionResult = isCompiledQuery(query) ? { operation, query } : query;
    cache.set(key, { compiled, bytes: ENTRY_OVERHEAD_BYTES + key.length + source.length * AST_BYTES_PER_SOURCE_CHAR + code.length * BYTES_PER_GENERATED_CHAR });
    return compiled;
  };

  const executor: GatewayExecutor = async (request) => {
    const inputs = request.request.variables ?? {};
    // The name the client sent (`request.operationName` is that of the resolved operation, or null).
    const operationName = request.request.operationName ?? undefined;
    const interpret = () => execute({ schema, document: request.document, contextValue: request.context, variableValues: inputs, operationName });
    if (request.request.http?.headers.get('apollo-federation-include-trace') === 'ftv1') return interpret();
    const source = request.source ?? request.request.query ?? '';
    const key = `${request.queryHash ?? source}\n${operationName ?? ''}`;
    const compiled = compile(request.document, source, key, operationName);
    if (compiled === null) return interpret();
    if (!('query' in compiled)) return compiled;
    const variables = getVariableValues(schema, compiled.operation.variableDefinitions ?? [], inputs, { maxErrors: 50 });
    if (variables.errors) return { errors: variables.errors };
    return withGraphQLErrors(await compiled.query.query(undefined, request.context, variables.coerced));
  };

  return {
    get compiledDocuments() {
      return cache.size;
    },
    get compiledCache() {
      return { entries: cache.size, bytes: cache.calculatedSize, maxBytes, interpreted };
    },
    async load() {
      // Apollo Server takes the schema from this event; it is sent once, as it never changes.
      for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl: sdl });
      return { schema, executor };
    },
    onSchemaLoadOrUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      // Nothing to release.
    },
  };
}

/**
 * graphql-jit turns each operation into code with `new Function`, and V8 keeps every such source
 * and its bytecode in its compilation cache (keyed by the source text) for good: measured here,
 * 200 distinct 12.6 kB documents left ~740 MB of heap behind with only one of them still in our
 * cache, the same growth without forced collections, and none with V8's `--no-compilation-cache`.
 * So the cache is turned off for the process. Nothing of ours evaluates the same source twice (a
 * compiled operation is kept and reused by us), and modules are compiled once either way.
 */
function disableCompilationCache(): void {
  v8.setFlagsFromString('--no-compilation-cache');
}

/** Where graphql-jit's `debug` option puts the generated code. */
const GENERATED_CODE = '__DO_NOT_USE_THIS_OR_YOU_WILL_BE_FIRED_compilation';

/**
 * Refuses a schema where coercing an already coerced variable could change or reject it: a custom
 * input scalar not known to be re-coercible, or an enum whose internal values differ from its names.
 */
function assertInputsRecoercible(schema: GraphQLSchema): void {
  const seen = new Set<string>();
  const visit = (type: GraphQLInputType): void => {
    const named = getNamedType(type);
    if (seen.has(named.name)) return;
    seen.add(named.name);
    if (isScalarType(named) && !isSpecifiedScalarType(named) && !RECOERCIBLE_SCALARS.has(named.name)) {
      throw new Error(`Input scalar ${named.name} is not known to be re-coercible; check its parseValue and add it to RECOERCIBLE_SCALARS.`);
    }
    if (isEnumType(named)) {
      const renamed = named.getValues().find((value) => value.value !== value.name);
      if (renamed) throw new Error(`Enum ${named.name} maps ${renamed.name} to another internal value; variables could not be coerced twice.`);
    }
    if (isInputObjectType(named)) for (const field of Object.values(named.getFields())) visit(field.type);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInputObjectType(type)) visit(type);
    if ('getFields' in type && !isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) for (const arg of field.args) visit(arg.type);
    }
  }
}

/**
 * graphql-jit reports errors with its own GraphQLError look-alike, whose `extensions` is undefined
 * when the thrown error had none (Apollo Server's error formatting expects an object). This turns
 * them into graphql-js errors with the same message, locations, path and original error.
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((error) => {
    const converted = new GraphQLError(error.message, {
      path: error.path,
      originalError: error.originalError ?? undefined,
      extensions: error.extensions ?? {},
    });
    (converted as { locations?: GraphQLError['locations'] }).locations = error.locations;
    return converted;
  });
  return { ...result, errors };
}
