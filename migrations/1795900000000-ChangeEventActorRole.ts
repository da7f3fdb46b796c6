import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change log records the caller's role beside its `sub` (the `actor` column). Events logged
 * before keep a null role: who they were is what `actor` says (a name from API_TOKENS, or
 * `anonymous`).
 */
export class ChangeEventActorRole1795900000000 implements MigrationInterface {
  name = 'ChangeEventActorRole1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "change_event" ADD "actor_role" character varying(20)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "change_event" DROP COLUMN "actor_role"`);
  }
}
