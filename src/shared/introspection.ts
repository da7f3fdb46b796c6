import { GraphQLError, type ValidationContext, type ASTVisitor } from 'graphql';

/**
 * With INTROSPECTION=false, `__schema` and `__type` are refused at validation (HTTP and
 * WebSocket alike: GRAPHQL_VALIDATION_FAILED), with a message that says why; `__typename` stays.
 */
export function noIntrospectionRule(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      const name = node.name.value;
      if (name === '__schema' || name === '__type') {
        context.reportError(
          new GraphQLError(
            `Introspection is turned off on this server (INTROSPECTION=false): "${name}" cannot be queried. Use the published schema (schema/schema.graphql) instead.`,
            {
              nodes: node,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', reason: 'INTROSPECTION_DISABLED' },
            },
          ),
        );
      }
    },
  };
}
