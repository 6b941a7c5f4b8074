import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The images table, the indexes behind search's filters and sort, and an FTS5 index over
 * prompt and style (kept in step by triggers) that serves `q` without scanning the table.
 */
export class CreateImages1763900000000 implements MigrationInterface {
  name = 'CreateImages1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "images" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "prompt" text NOT NULL,
        "style" varchar(200),
        "item_id" varchar(200),
        "item_type" varchar(50),
        "featured" boolean NOT NULL DEFAULT (0),
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
        "created_at" datetime NOT NULL,
        "deleted_at" datetime
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
      CREATE VIRTUAL TABLE "images_fts" USING fts5(
        prompt, style, content='images', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
      )`);
    await queryRunner.query(`
      CREATE TRIGGER "images_fts_insert" AFTER INSERT ON "images" BEGIN
        INSERT INTO images_fts(rowid, prompt, style) VALUES (new.rowid, new.prompt, new.style);
      END`);
    await queryRunner.query(`
      CREATE TRIGGER "images_fts_delete" AFTER DELETE ON "images" BEGIN
        INSERT INTO images_fts(images_fts, rowid, prompt, style) VALUES ('delete', old.rowid, old.prompt, old.style);
      END`);
    await queryRunner.query(`
      CREATE TRIGGER "images_fts_update" AFTER UPDATE OF prompt, style ON "images" BEGIN
        INSERT INTO images_fts(images_fts, rowid, prompt, style) VALUES ('delete', old.rowid, old.prompt, old.style);
        INSERT INTO images_fts(rowid, prompt, style) VALUES (new.rowid, new.prompt, new.style);
      END`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const trigger of ['images_fts_update', 'images_fts_delete', 'images_fts_insert']) {
      await queryRunner.query(`DROP TRIGGER "${trigger}"`);
    }
    await queryRunner.query(`DROP TABLE "images_fts"`);
    await queryRunner.query(`DROP TABLE "images"`);
  }
}
