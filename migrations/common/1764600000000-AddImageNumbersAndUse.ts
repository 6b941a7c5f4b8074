import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the old backend's clients (`/api/v1`) keep and read about an image, written once for
 * both drivers (only the timestamp type differs):
 * - `number`: a stable integer id, never reused. Numbers come from the `sequences` row
 *   `images` (one short UPDATE in the insert's transaction, the same on both drivers), so a
 *   purged image's number is never handed out again. Existing images are numbered in the
 *   order they were made.
 * - `component`, `custom_prompt`: what the old clients sent beside the prompt.
 * - `use_count`, `last_used_at`: how often a client fetched the image by its number.
 * - `generation_ms`: how long the provider took to draw it.
 */
export class AddImageNumbersAndUse1764600000000 implements MigrationInterface {
  name = 'AddImageNumbersAndUse1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    for (const column of [
      `"number" integer`,
      `"component" varchar(100)`,
      `"custom_prompt" text`,
      `"use_count" integer NOT NULL DEFAULT 0`,
      `"last_used_at" ${timestamp}`,
      `"generation_ms" integer`,
    ]) {
      await queryRunner.query(`ALTER TABLE "images" ADD COLUMN ${column}`);
    }
    await queryRunner.query(`
      UPDATE "images" SET "number" = "numbered"."number"
      FROM (SELECT "id", ROW_NUMBER() OVER (ORDER BY "created_at", "id") AS "number" FROM "images") AS "numbered"
      WHERE "numbered"."id" = "images"."id"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "idx_images_number" ON "images" ("number")`);
    await queryRunner.query(`CREATE TABLE "sequences" ("name" varchar(50) PRIMARY KEY, "last_value" integer NOT NULL)`);
    await queryRunner.query(`INSERT INTO "sequences" ("name", "last_value") SELECT 'images', COALESCE(MAX("number"), 0) FROM "images"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sequences"`);
    await queryRunner.query(`DROP INDEX "idx_images_number"`);
    for (const column of ['generation_ms', 'last_used_at', 'use_count', 'custom_prompt', 'component', 'number']) {
      await queryRunner.query(`ALTER TABLE "images" DROP COLUMN "${column}"`);
    }
  }
}
