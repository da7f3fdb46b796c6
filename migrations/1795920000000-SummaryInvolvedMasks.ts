import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ALL_PERIODS, CELL_COLUMNS, CELLS } from '../src/summaries/summary-aggregates';

/**
 * organisationsInvolved under a domain, status or period filter without a distinct count over one
 * row per organisation and cell (summary_involved_cell: tens of thousands of rows for the city):
 * summary_involved_org keeps one row per scope, period (and every period) and organisation with a
 * count per cell, and summary_involved_mask how many organisations of a scope and period have each
 * set of non-empty cells. summary_involved_cell goes, and summary_involved (the masks give its count). summary_model keeps one narrow row per
 * model for the filters no aggregate keys (free text, start-date ranges): their scan reads it
 * alone, through a trigram or an index-only date index. The recount that fills every aggregate is
 * SummaryModelOrganisationKeys' (1795930000000).
 */
export class SummaryInvolvedMasks1795920000000 implements MigrationInterface {
  name = 'SummaryInvolvedMasks1795920000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "summary_involved_cell"`);
    // The unfiltered count of involved organisations is the sum of a scope's masks over all periods.
    await queryRunner.query(`DROP TABLE "summary_involved"`);
    await queryRunner.query(
      `CREATE TABLE "summary_involved_org" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "period_key" uuid NOT NULL, "organisation_id" uuid NOT NULL, ${CELL_COLUMNS.map((c) => `"${c}" integer NOT NULL`).join(', ')}, CONSTRAINT "PK_summary_involved_org" PRIMARY KEY ("scope_id", "subtree", "period_key", "organisation_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "summary_involved_mask" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "period_key" uuid NOT NULL, "mask" integer NOT NULL, "organisations" integer NOT NULL, CONSTRAINT "PK_summary_involved_mask" PRIMARY KEY ("scope_id", "subtree", "period_key", "mask"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "summary_model" ("model_id" uuid NOT NULL, "domain" "public"."model_domain" NOT NULL, "status" "public"."model_status" NOT NULL, "started_on" date, "recognised_period_id" uuid, "replicated_on" date, "search_name" text NOT NULL, "organisation_ids" uuid array NOT NULL, CONSTRAINT "PK_summary_model" PRIMARY KEY ("model_id"))`,
    );
    // The recount that fills every aggregate (earlier migrations leave it to this one) is left to
    // SummaryModelOrganisationKeys, which changes summary_model's columns to what the code now writes.
    // Free text: trigrams (pg_trgm, created by the first migration; PGlite loads it as an extension module).
    await queryRunner.query(`CREATE INDEX "summary_model_search_trgm_idx" ON "summary_model" USING gin ("search_name" gin_trgm_ops)`);
    // Start-date ranges: an index-only range scan with every column such a summary reads.
    await queryRunner.query(
      `CREATE INDEX "summary_model_started_idx" ON "summary_model" ("started_on") INCLUDE ("domain", "status", "recognised_period_id", "replicated_on", "organisation_ids")`,
    );
    // Statistics for the planner right away (a VACUUM, for index-only counts, cannot run in the migration's transaction).
    await queryRunner.query(
      `ANALYZE "summary_count", "summary_started", "summary_replicated", "summary_involved_org", "summary_involved_mask", "summary_model"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "summary_involved_cell" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "domain" "public"."model_domain" NOT NULL, "status" "public"."model_status" NOT NULL, "period_key" uuid NOT NULL, "organisation_id" uuid NOT NULL, "models" integer NOT NULL, CONSTRAINT "PK_46407bca2fa4b9f08a6e3bb1c62" PRIMARY KEY ("scope_id", "subtree", "domain", "status", "period_key", "organisation_id"))`,
    );
    // The per-period rows, one per non-empty cell (the every-period rows are their sums).
    await queryRunner.query(
      `INSERT INTO "summary_involved_cell" ("scope_id", "subtree", "domain", "status", "period_key", "organisation_id", "models")
       SELECT o.scope_id, o.subtree, c.domain::model_domain, c.status::model_status, o.period_key, o.organisation_id, c.n
       FROM "summary_involved_org" o
       CROSS JOIN LATERAL (VALUES ${CELLS.map((cell, i) => `('${cell.domain}', '${cell.status}', o.${CELL_COLUMNS[i]})`).join(', ')}) AS c(domain, status, n)
       WHERE o.period_key <> '${ALL_PERIODS}' AND c.n > 0`,
    );
    await queryRunner.query(
      `CREATE TABLE "summary_involved" ("scope_id" uuid NOT NULL, "subtree" boolean NOT NULL, "organisation_id" uuid NOT NULL, "models" integer NOT NULL, CONSTRAINT "PK_e81a689d1c389881b3d35e10fd8" PRIMARY KEY ("scope_id", "subtree", "organisation_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "summary_involved" ("scope_id", "subtree", "organisation_id", "models")
       SELECT scope_id, subtree, organisation_id, ${CELL_COLUMNS.map((c) => `"${c}"`).join(' + ')} FROM "summary_involved_org" WHERE period_key = '${ALL_PERIODS}'`,
    );
    await queryRunner.query(`DROP TABLE "summary_model"`);
    await queryRunner.query(`DROP TABLE "summary_involved_mask"`);
    await queryRunner.query(`DROP TABLE "summary_involved_org"`);
  }
}
