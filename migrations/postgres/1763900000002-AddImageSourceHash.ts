import type { MigrationInterface, QueryRunner } from 'typeorm';

/** sha256 of an imported image's decoded input: re-importing the same data finds it and skips it. */
export class AddImageSourceHash1763900000002 implements MigrationInterface {
  name = 'AddImageSourceHash1763900000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "images" ADD COLUMN "source_hash" varchar(64)`);
    await queryRunner.query(`CREATE INDEX "idx_images_source_hash" ON "images" ("source_hash")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_images_source_hash"`);
    await queryRunner.query(`ALTER TABLE "images" DROP COLUMN "source_hash"`);
  }
}
