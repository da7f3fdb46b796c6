import type { MigrationInterface, QueryRunner } from 'typeorm';
import { summaryAggregates } from '../src/summaries/summary-aggregates';

/**
 * A narrower summary_model for the free-text summary, which reads every row its words match (a
 * common phrase: one model in eight): each organisation gets a small integer key
 * (summary_organisation_key), and a model row holds its organisations as the smallest key
 * (organisation_key) and the others (more_organisation_keys, null for a model of one organisation)
 * instead of an array of uuids. At 1,000,000 models the table goes from 127 MB to about 100 MB, and
 * the search counts organisations by a 4-byte key. A second, partial trigram index finds the models
 * with more than one organisation (their other keys). Then one recount fills every aggregate
 * (earlier migrations leave that to this one).
 */
export class SummaryModelOrganisationKeys1795930000000 implements MigrationInterface {
  name = 'SummaryModelOrganisationKeys1795930000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE "summary_organisation_key_seq" AS integer`);
    await queryRunner.query(
      `CREATE TABLE "summary_organisation_key" ("organisation_id" uuid NOT NULL, "key" integer NOT NULL, CONSTRAINT "PK_summary_organisation_key" PRIMARY KEY ("organisation_id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "summary_organisation_key_key_idx" ON "summary_organisation_key" ("key")`);
    // The rows are rewritten by the recount: no index to keep up meanwhile.
    await queryRunner.query(`TRUNCATE "summary_model"`);
    await queryRunner.query(`DROP INDEX "summary_model_search_trgm_idx"`);
    await queryRunner.query(`DROP INDEX "summary_model_started_idx"`);
    await queryRunner.query(`ALTER TABLE "summary_model" DROP COLUMN "organisation_ids"`);
    await queryRunner.query(`ALTER TABLE "summary_model" ADD "organisation_key" integer`);
    await queryRunner.query(`ALTER TABLE "summary_model" ADD "more_organisation_keys" integer array`);
    await summaryAggregates.rebuild(queryRunner);
    await queryRunner.query(`CREATE INDEX "summary_model_search_trgm_idx" ON "summary_model" USING gin ("search_name" gin_trgm_ops)`);
    await queryRunner.query(
      `CREATE INDEX "summary_model_more_search_trgm_idx" ON "summary_model" USING gin ("search_name" gin_trgm_ops) WHERE "more_organisation_keys" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "summary_model_started_idx" ON "summary_model" ("started_on") INCLUDE ("domain", "status", "recognised_period_id", "replicated_on", "organisation_key", "more_organisation_keys")`,
    );
    await queryRunner.query(
      `ANALYZE "summary_count", "summary_started", "summary_replicated", "summary_involved_org", "summary_involved_mask", "summary_model", "summary_organisation_key"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "summary_model_more_search_trgm_idx"`);
    await queryRunner.query(`DROP INDEX "summary_model_started_idx"`);
    await queryRunner.query(`ALTER TABLE "summary_model" ADD "organisation_ids" uuid array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(
      `UPDATE "summary_model" s SET "organisation_ids" = coalesce((
         SELECT array_agg(k.organisation_id ORDER BY k.organisation_id) FROM "summary_organisation_key" k
         WHERE k.key = s.organisation_key OR k.key = ANY(s.more_organisation_keys)), '{}')`,
    );
    await queryRunner.query(`ALTER TABLE "summary_model" ALTER COLUMN "organisation_ids" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "summary_model" DROP COLUMN "more_organisation_keys"`);
    await queryRunner.query(`ALTER TABLE "summary_model" DROP COLUMN "organisation_key"`);
    await queryRunner.query(
      `CREATE INDEX "summary_model_started_idx" ON "summary_model" ("started_on") INCLUDE ("domain", "status", "recognised_period_id", "replicated_on", "organisation_ids")`,
    );
    await queryRunner.query(`DROP TABLE "summary_organisation_key"`);
    await queryRunner.query(`DROP SEQUENCE "summary_organisation_key_seq"`);
  }
}
