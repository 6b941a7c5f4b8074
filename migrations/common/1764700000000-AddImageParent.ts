import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `parent_id`: the image an edit was made from (lineage), the same on both drivers. No
 * foreign key: a purged parent leaves its edits' history as it was. The partial index serves
 * search's `parentId` filter in date order, like the other live-image indexes.
 */
export class AddImageParent1764700000000 implements MigrationInterface {
  name = 'AddImageParent1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "images" ADD COLUMN "parent_id" varchar(36)`);
    await queryRunner.query(`CREATE INDEX "idx_images_live_parent" ON "images" ("parent_id", "created_at", "id") WHERE "deleted_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_images_live_parent"`);
    await queryRunner.query(`ALTER TABLE "images" DROP COLUMN "parent_id"`);
  }
}
