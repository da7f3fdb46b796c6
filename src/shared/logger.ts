import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** LOG_LEVEL values, most severe first (`silent`: nothing at all). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What a logger is built from: the part of the configuration that concerns logs. */
export interface LogSettings {
  logLevel: LogLevel;
  /** Human-readable lines (pino-pretty) instead of JSON: only on a TTY outside production. */
  logPretty: boolean;
  /** Where lines go instead of stdout (not read from the environment: a test captures lines with it). */
  logDestination?: { write(line: string): unknown };
}

const REDACTED = '[redacted]';

/**
 * Paths pino replaces with "[redacted]" wherever a logged object carries them: credentials in
 * headers (HTTP and a WebSocket upgrade), connection_init parameters, variables, and the secrets
 * of the configuration. The per-request line itself carries none of these (it is built field by
 * field): this is the net under whatever else gets logged. Explicit paths only: a wildcard
 * (`*.token`) made every line cost 15 µs more (fast-redact walks every key for it).
 */
export const REDACT_PATHS = [
  ...['authorization', 'Authorization', 'cookie', 'password', 'token', 'secret', 'jwtSecret', 'apiTokens', 'databaseUrl', 'redisUrl'],
  ...['connectionParams', 'variables', 'params.authorization', 'params.Authorization', 'params.token', 'params.password'],
  ...['payload.authorization', 'payload.token', 'payload.password', 'payload.secret', 'payload.variables'],
  ...['headers.authorization', 'headers.cookie', 'headers["set-cookie"]', 'req.headers.authorization', 'req.headers.cookie'],
  ...['request.headers.authorization', 'request.headers.cookie', 'res.headers["set-cookie"]'],
  ...['config.databaseUrl', 'config.redisUrl', 'config.apiTokens', 'config.auth.jwtSecret', 'auth.jwtSecret'],
];

/** `postgres://user:pass@host/db` → `postgres://user:***@host/db` (any URL: its password, if any, hidden). */
export function withoutPassword(url: string | undefined | null): string | undefined {
  if (!url) return undefined;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
}

let stdout: DestinationStream | null = null;
/** One synchronous stdout destination shared by every logger of the process (lines never interleave). */
function stdoutDestination(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: true });
  return stdout;
}

/** A logger for `settings`: JSON lines (pino) on stdout, or pretty ones on a developer's terminal. */
export function createLogger(settings: LogSettings): Logger {
  const options: LoggerOptions = {
    level: settings.logLevel,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (settings.logDestination) return pino(options, settings.logDestination as DestinationStream);
  if (settings.logPretty) {
    // Loaded only for a developer's terminal: production (JSON lines) never holds pino-pretty.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as typeof import('pino-pretty');
    return pino(options, pretty({ colorize: true, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(options, stdoutDestination());
}

const loggers = new WeakMap<object, Logger>();

/** The logger of one configuration (one per server: a test's captured lines are its own server's). */
export function loggerFor(settings: LogSettings): Logger {
  let logger = loggers.get(settings);
  if (!logger) {
    logger = createLogger(settings);
    loggers.set(settings, logger);
  }
  return logger;
}

/** LOG_LEVEL, validated (an unknown level is a configuration error, thrown by the caller). */
export function logLevelOf(raw: string | undefined): LogLevel | null {
  const level = (raw || 'info').trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : null;
}

let root: Logger | null = null;
/**
 * The process's logger before (or outside) any server: from LOG_LEVEL and the terminal as they are,
 * for what happens outside a request (an unhandled rejection, a worker that died).
 */
export function processLogger(): Logger {
  root ??= createLogger({
    logLevel: logLevelOf(process.env.LOG_LEVEL) ?? 'info',
    logPretty: process.env.NODE_ENV !== 'production' && process.stdout.isTTY === true,
  });
  return root;
}
