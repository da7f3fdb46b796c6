import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { Config } from './config';
import { ResponseTooLargeError } from './errors';
import { loggerFor, processLogger, type LogSettings } from './logger';
import { translateDbError } from './transaction';

/** Validation failures from class-validator, as a BAD_USER_INPUT a person can act on. */
function validationError(error: ArgumentValidationError): GraphQLFormattedError {
  const problems = error.extensions.validationErrors as Array<{ property: string; constraints?: Record<string, string>; children?: unknown[] }> | undefined;
  const messages: string[] = [];
  const walk = (list: typeof problems, prefix: string) => {
    for (const p of list ?? []) {
      for (const m of Object.values(p.constraints ?? {})) messages.push(`${prefix}${m}`);
      walk(p.children as typeof problems, `${prefix}${p.property}.`);
    }
  };
  walk(problems, '');
  return {
    message: `Invalid input: ${messages.join('; ') || 'see validationErrors'}.`,
    extensions: { code: 'BAD_USER_INPUT', validationErrors: problems?.map((p) => ({ property: p.property, constraints: p.constraints })) },
  };
}

/**
 * Every error a client receives, over HTTP and WebSocket: validation failures and database
 * conditions a caller can cause get their codes; anything else is logged and, outside
 * development, masked as INTERNAL_SERVER_ERROR. Each carries `extensions.requestId`, the id of
 * the request (or WebSocket operation) it belongs to, as its log line does (`requestIdOf`).
 */
export function formatError(config: Pick<Config, 'exposeErrors'> & Partial<LogSettings>, requestIdOf?: () => string | null | undefined) {
  const log = config.logLevel ? loggerFor(config as LogSettings) : processLogger();
  const format = (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(raw);
    if (original instanceof ArgumentValidationError) return { ...validationError(original), path: formatted.path, locations: formatted.locations };
    const translated = translateDbError(original);
    if (translated instanceof GraphQLError && translated !== original) {
      return { message: translated.message, path: formatted.path, locations: formatted.locations, extensions: translated.extensions };
    }
    const code = formatted.extensions?.code;
    if ((code === 'INTERNAL_SERVER_ERROR' || code === undefined) && !(original instanceof GraphQLError)) {
      log.error({ err: original, requestId: requestIdOf?.() ?? undefined }, 'internal error in a GraphQL operation');
      if (!config.exposeErrors) {
        return {
          message: 'Internal server error. It has been logged; try again or report it.',
          path: formatted.path,
          locations: formatted.locations,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        };
      }
    }
    return formatted;
  };
  if (!requestIdOf) return format;
  return (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
    const result = format(formatted, raw);
    const requestId = requestIdOf();
    return requestId ? { ...result, extensions: { ...result.extensions, requestId } } : result;
  };
}

/**
 * Apollo's serialisation (JSON and a newline), refusing a body over `maxBytes`: the response is
 * serialised once, as it would be anyway, and only its length is checked (UTF-8 bytes counted only
 * when the UTF-16 length alone cannot tell).
 */
export function boundedStringify(maxBytes: number) {
  return (result: FormattedExecutionResult): string => {
    const text = `${JSON.stringify(result)}\n`;
    if (text.length * 3 <= maxBytes) return text;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes <= maxBytes) return text;
    const error = new ResponseTooLargeError(bytes, maxBytes);
    return `${JSON.stringify({ errors: [{ message: error.message, extensions: error.extensions }], data: null })}\n`;
  };
}
