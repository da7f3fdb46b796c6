import type { Logger, QueryRunner } from 'typeorm';
import { requestScope } from './request-scope';

/** TypeORM logger that counts every statement into the current request's counter. */
export class CountingLogger implements Logger {
  constructor(private readonly echo: boolean) {}

  logQuery(query: string, parameters?: unknown[], _runner?: QueryRunner): void {
    const stats = requestScope.getStore();
    if (stats) stats.statements += 1;
    if (this.echo) console.log('[sql]', query.replace(/\s+/g, ' ').slice(0, 500), parameters ?? '');
  }
  logQueryError(error: string | Error, query: string): void {
    if (this.echo) console.error('[sql error]', error, query.replace(/\s+/g, ' ').slice(0, 500));
  }
  logQuerySlow(time: number, query: string): void {
    console.warn(`[sql slow ${time} ms]`, query.replace(/\s+/g, ' ').slice(0, 500));
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    if (this.echo) console.log('[migration]', message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') console.warn(message);
  }
}
