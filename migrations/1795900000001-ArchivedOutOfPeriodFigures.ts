import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Archived models leave startedInPeriod and replicatedInPeriod, as they had already left
 * totalModels: the aggregates behind those two figures are recounted from the base tables.
 */
export class ArchivedOutOfPeriodFigures1795900000001 implements MigrationInterface {
  name = 'ArchivedOutOfPeriodFigures1795900000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // The recount now happens in SummaryFilterAggregates1795910000000, which recreates the tables with
    // wider keys (the current rebuild writes those columns, not the ones these tables have here).
    void queryRunner;
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // The older rule (archived models counted in the period figures) is not kept in code; the
    // aggregates stay as they are, which is what the current code maintains.
    void queryRunner;
  }
}
