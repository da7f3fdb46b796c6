import type { Logger as TypeOrmLogger, QueryRunner } from 'typeorm';
import type { Logger } from '../shared/logger';
import { requestScope } from './request-scope';

/** The first 500 characters of a statement, on one line (enough to recognise it). */
function shown(query: string): string {
  return query.replace(/\s+/g, ' ').slice(0, 500);
}

/** TypeORM logger that counts every statement into the current request's counter; LOG_SQL echoes them (debug). */
export class CountingLogger implements TypeOrmLogger {
  constructor(
    private readonly echo: boolean,
    private readonly out: Logger,
  ) {}

  logQuery(query: string, parameters?: unknown[], _runner?: QueryRunner): void {
    const stats = requestScope.getStore();
    if (stats) stats.statements += 1;
    // The parameters' count, never their values: they are callers' input (a search text, a name) and may be secrets.
    if (this.echo) this.out.info({ sql: shown(query), parameters: parameters?.length ?? 0, requestId: stats?.requestId ?? undefined }, 'sql');
  }
  logQueryError(error: string | Error, query: string): void {
    if (this.echo) this.out.warn({ err: error, sql: shown(query), requestId: requestScope.getStore()?.requestId ?? undefined }, 'sql error');
  }
  logQuerySlow(time: number, query: string): void {
    this.out.warn({ ms: time, sql: shown(query), requestId: requestScope.getStore()?.requestId ?? undefined }, `slow SQL statement (${time} ms)`);
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    if (this.echo) this.out.info({ migration: message }, 'migration');
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.out.warn({ typeorm: message }, 'typeorm warning');
  }
}
