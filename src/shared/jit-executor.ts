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
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

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
 * Documents whose compiled operations are kept, least recently used dropped first. A client
 * sending ever new documents costs a compilation each time, never unbounded memory.
 */
export const MAX_COMPILED_DOCUMENTS = 1000;

interface Compiled {
  operation: OperationDefinitionNode;
  query: CompiledQuery;
}

/**
 * Executes operations with graphql-jit instead of graphql-js: each document is compiled once to a
 * JavaScript function that walks the selection set without graphql-js's per-field bookkeeping.
 * On the dashboard document this cuts the Node time per request by about 40 % (bench/README.md).
 *
 * - Apollo Server takes a custom executor only through its gateway interface, so this is a
 *   "gateway" that serves one fixed, local schema.
 * - Variables are coerced by graphql-js first, so defaults, coercion rules and error messages stay
 *   exactly graphql-js's: graphql-jit's own coercion leaves out the default of a non-null input
 *   field (`status: ModelStatus! = ACTIVE`) and reports it as missing. The coerced values then go
 *   through graphql-jit's coercion unchanged, which is why input scalars must be re-coercible.
 * - Requests that ask for a federated trace (ftv1) run on graphql-js, which carries Apollo's
 *   per-field trace hooks.
 */
export function jitGateway(schema: GraphQLSchema, sdl: string, maxDocuments = MAX_COMPILED_DOCUMENTS): GatewayInterface & { readonly compiledDocuments: number } {
  assertInputsRecoercible(schema);
  const listeners = new Set<(schemaContext: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();
  // Apollo keeps one parsed document per query text, so compiled operations hang off it; a Map
  // iterates in insertion order, so re-inserting on use makes its first key the least recent.
  const compiledByDocument = new Map<DocumentNode, Map<string, Compiled | ExecutionResult>>();

  const compile = (document: DocumentNode, operationName: string | undefined): Compiled | ExecutionResult => {
    let byName = compiledByDocument.get(document);
    if (byName) compiledByDocument.delete(document);
    else byName = new Map();
    compiledByDocument.set(document, byName);
    if (compiledByDocument.size > maxDocuments) compiledByDocument.delete(compiledByDocument.keys().next().value as DocumentNode);
    const key = operationName ?? '';
    let entry = byName.get(key);
    if (!entry) {
      const operation = getOperationAST(document, operationName);
      // Apollo turns this into a 400, as it does graphql-js's own message.
      if (!operation) return { errors: [new GraphQLError(operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.')] };
      // Errors skip the stack capture; leaves keep graphql-js's serialisation (our scalars and enums).
      const query = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
      entry = isCompiledQuery(query) ? { operation, query } : query;
      byName.set(key, entry);
    }
    return entry;
  };

  const executor: GatewayExecutor = async (request) => {
    const inputs = request.request.variables ?? {};
    // The name the client sent (`request.operationName` is that of the resolved operation, or null).
    const operationName = request.request.operationName ?? undefined;
    if (request.request.http?.headers.get('apollo-federation-include-trace') === 'ftv1') {
      return execute({ schema, document: request.document, contextValue: request.context, variableValues: inputs, operationName });
    }
    const compiled = compile(request.document, operationName);
    if (!('query' in compiled)) return compiled;
    const variables = getVariableValues(schema, compiled.operation.variableDefinitions ?? [], inputs, { maxErrors: 50 });
    if (variables.errors) return { errors: variables.errors };
    return withGraphQLErrors(await compiled.query.query(undefined, request.context, variables.coerced));
  };

  return {
    get compiledDocuments() {
      return compiledByDocument.size;
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
    const converted = new GraphQLError(error.message, { path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions ?? {} });
    (converted as { locations?: GraphQLError['locations'] }).locations = error.locations;
    return converted;
  });
  return { ...result, errors };
}
