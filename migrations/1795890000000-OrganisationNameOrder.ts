import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organisations listed by name (the default order) read this index in order instead of sorting
 * every organisation for each page: the same keyset as model_name_order_idx.
 */
export class OrganisationNameOrder1795890000000 implements MigrationInterface {
  name = 'OrganisationNameOrder1795890000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "organisation_name_order_idx" ON "organisation" ("search_name" COLLATE "C", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "organisation_name_order_idx"`);
  }
}
