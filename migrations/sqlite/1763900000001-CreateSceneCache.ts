import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scene cache: one entry per cache key pointing at the image drawn for it, indexed for
 * expiry sweeps and for finding the entries that use an image; plus the cache's lifetime
 * hit and miss counters (a single row, so stats survive restarts).
 */
export class CreateSceneCache1763900000001 implements MigrationInterface {
  name = 'CreateSceneCache1763900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "scene_cache" (
        "cache_key" varchar(64) PRIMARY KEY NOT NULL,
        "description" text NOT NULL,
        "style" varchar(200),
        "aspect_ratio" varchar(8) NOT NULL,
        "model" varchar(100) NOT NULL,
        "image_id" varchar(36) NOT NULL REFERENCES "images" ("id") ON DELETE CASCADE,
        "hit_count" integer NOT NULL DEFAULT (0),
        "last_hit_at" datetime,
        "created_at" datetime NOT NULL,
        "expires_at" datetime NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "idx_scene_cache_expires_at" ON "scene_cache" ("expires_at")`);
    await queryRunner.query(`CREATE INDEX "idx_scene_cache_image_id" ON "scene_cache" ("image_id")`);
    await queryRunner.query(`
      CREATE TABLE "scene_cache_counters" (
        "id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1),
        "hits" integer NOT NULL DEFAULT (0),
        "misses" integer NOT NULL DEFAULT (0)
      )`);
    await queryRunner.query(`INSERT INTO "scene_cache_counters" ("id", "hits", "misses") VALUES (1, 0, 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scene_cache_counters"`);
    await queryRunner.query(`DROP TABLE "scene_cache"`);
  }
}
