import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The images table, the indexes behind search's filters and sort, and a full-text index that
 * serves `q` without scanning the table (SQLite's FTS5 index, the PostgreSQL way):
 *
 * - `images_search`, a text search configuration: the `simple` one (lower case, no stemming,
 *   no stop words) with accents removed first (unaccent), like FTS5's `remove_diacritics`.
 * - `idx_images_search`, a GIN index over the search document: prompt and style with
 *   punctuation turned into spaces, so words are runs of letters and digits as on SQLite and
 *   in the query (`torch-lit` is two words, `v1.2` too), split into lexemes. ImagesRepository
 *   matches this expression exactly, so the planner can use the index (`@@` with prefixes).
 */
export class CreateImages1763900000000 implements MigrationInterface {
  name = 'CreateImages1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await queryRunner.query(`CREATE TEXT SEARCH CONFIGURATION "images_search" (COPY = simple)`);
    await queryRunner.query(`ALTER TEXT SEARCH CONFIGURATION "images_search" ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple`);
    await queryRunner.query(`
      CREATE TABLE "images" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "prompt" text NOT NULL,
        "style" varchar(200),
        "item_id" varchar(200),
        "item_type" varchar(50),
        "featured" boolean NOT NULL DEFAULT false,
        "source" varchar(16) NOT NULL,
        "model" varchar(100),
        "aspect_ratio" varchar(8),
        "width" integer NOT NULL,
        "height" integer NOT NULL,
        "size_bytes" integer NOT NULL,
        "thumbnail_width" integer NOT NULL,
        "thumbnail_height" integer NOT NULL,
        "thumbnail_size_bytes" integer NOT NULL,
        "content_hash" varchar(64) NOT NULL,
        "created_at" timestamptz NOT NULL,
        "deleted_at" timestamptz
      )`);
    const indexes: Record<string, string> = {
      idx_images_created_at: '"created_at", "id"',
      idx_images_item: '"item_id", "created_at"',
      idx_images_item_type: '"item_type", "created_at"',
      idx_images_featured: '"featured", "created_at"',
      idx_images_source: '"source", "created_at"',
      idx_images_content_hash: '"content_hash"',
      idx_images_deleted_at: '"deleted_at"',
    };
    for (const [name, columns] of Object.entries(indexes)) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "images" (${columns})`);
    }
    await queryRunner.query(`
      CREATE INDEX "idx_images_search" ON "images" USING gin (
        to_tsvector('images_search', regexp_replace("prompt" || ' ' || coalesce("style", ''), '[[:punct:]]+', ' ', 'g'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "images"`);
    await queryRunner.query(`DROP TEXT SEARCH CONFIGURATION "images_search"`);
    // The unaccent extension stays: it belongs to the database, and something else may use it.
  }
}
