import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Query.summary's filters (domain, status, recognised period, alone or combined, within an
 * organisation scope) answered from the aggregates instead of a GROUP BY over the models: the
 * count, started and replicated aggregates get the three as key columns, and
 * summary_involved_cell keeps the involved organisations per domain, status and period.
 * The key columns come after the columns the reads range over.
 */
export class SummaryFilterAggregates1795910000000 implements MigrationInterface {
  name = 'SummaryFilterAggregates1795910000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "summary_count"`);
    await queryRunner.query(`DROP TABLE "summary_started"`);
    await queryRunner.query(`DROP TABLE "summary_replicated"`);
    await queryRunner.query(
      `CREATE TABLE "summary_count" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "period_key" uuid NOT NULL, "domain" "public"."model_domain" NOT NULL, "status" "public"."model_status" NOT NULL, "models" integer NOT NULL, CONSTRAINT "PK_2004f0f080e1ead6e587dbe4055" PRIMARY KEY ("scope_id", "subtree", "period_key", "domain", "status"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "summary_started" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "started_on" date NOT NULL, "domain" "public"."model_domain" NOT NULL, "status" "public"."model_status" NOT NULL, "period_key" uuid NOT NULL, "models" integer NOT NULL, CONSTRAINT "PK_9667394d0712c4246676f1dcf0a" PRIMARY KEY ("scope_id", "subtree", "started_on", "domain", "status", "period_key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "summary_replicated" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "replicated_on" date NOT NULL, "domain" "public"."model_domain" NOT NULL, "status" "public"."model_status" NOT NULL, "period_key" uuid NOT NULL, "links" integer NOT NULL, CONSTRAINT "PK_0572169670ba87cc1cc04f90ddd" PRIMARY KEY ("scope_id", "subtree", "replicated_on", "domain", "status", "period_key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "summary_involved_cell" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "domain" "public"."model_domain" NOT NULL, "status" "public"."model_status" NOT NULL, "period_key" uuid NOT NULL, "organisation_id" uuid NOT NULL, "models" integer NOT NULL, CONSTRAINT "PK_46407bca2fa4b9f08a6e3bb1c62" PRIMARY KEY ("scope_id", "subtree", "domain", "status", "period_key", "organisation_id"))`,
    );
    // Existing data: the aggregates are filled from the base tables by SummaryInvolvedMasks1795920000000, which
    // replaces summary_involved_cell (the current rebuild writes that migration's tables, not this one's).
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Back to the narrower keys; the older code's rebuild is not kept, so the figures are summed down from the wider rows.
    await queryRunner.query(`DROP TABLE "summary_involved_cell"`);
    for (const [table, key, value] of [
      ['summary_count', '"domain", "status"', 'models'],
      ['summary_started', '"started_on"', 'models'],
      ['summary_replicated', '"replicated_on"', 'links'],
    ]) {
      await queryRunner.query(
        `CREATE TABLE "${table}_old" AS SELECT "scope_id", "subtree", ${key}, sum("${value}")::int AS "${value}" FROM "${table}" GROUP BY 1, 2, ${key}`,
      );
      await queryRunner.query(`DROP TABLE "${table}"`);
      await queryRunner.query(`ALTER TABLE "${table}_old" RENAME TO "${table}"`);
    }
    await queryRunner.query(
      `ALTER TABLE "summary_count" ADD CONSTRAINT "PK_c7ed2a57089dddba81c4773655c" PRIMARY KEY ("scope_id", "subtree", "domain", "status")`,
    );
    await queryRunner.query(`ALTER TABLE "summary_started" ADD CONSTRAINT "PK_364327aa1383785cc2d2f71e459" PRIMARY KEY ("scope_id", "subtree", "started_on")`);
    await queryRunner.query(
      `ALTER TABLE "summary_replicated" ADD CONSTRAINT "PK_2553ff2413a5c430098f607f95f" PRIMARY KEY ("scope_id", "subtree", "replicated_on")`,
    );
  }
}
