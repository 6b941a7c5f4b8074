import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search reads live images only (`deleted_at IS NULL`), newest or oldest first: these partial
 * indexes hold exactly those rows in that order, ending in `id` like the sort, so a page is a
 * short walk down one index, with no sort, however many images there are. The index on
 * `deleted_at` now holds only deleted rows, for the purge, and no longer tempts the planner
 * into sorting every live row. `idx_images_source` stays whole: the daily cap counts deleted
 * images too.
 */
const LIVE_INDEXES: Record<string, string> = {
  idx_images_live_created_at: '"created_at", "id"',
  idx_images_live_item: '"item_id", "created_at", "id"',
  idx_images_live_item_type: '"item_type", "created_at", "id"',
  idx_images_live_featured: '"featured", "created_at", "id"',
  idx_images_live_source: '"source", "created_at", "id"',
};
const REPLACED_INDEXES: Record<string, string> = {
  idx_images_created_at: '"created_at", "id"',
  idx_images_item: '"item_id", "created_at"',
  idx_images_item_type: '"item_type", "created_at"',
  idx_images_featured: '"featured", "created_at"',
  idx_images_deleted_at: '"deleted_at"',
};

export class IndexLiveImages1763900000004 implements MigrationInterface {
  name = 'IndexLiveImages1763900000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const name of Object.keys(REPLACED_INDEXES)) await queryRunner.query(`DROP INDEX "${name}"`);
    for (const [name, columns] of Object.entries(LIVE_INDEXES)) {
      await queryRunner.query(`CREATE INDEX "${name}" ON "images" (${columns}) WHERE "deleted_at" IS NULL`);
    }
    await queryRunner.query(`CREATE INDEX "idx_images_deleted_at" ON "images" ("deleted_at") WHERE "deleted_at" IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_images_deleted_at"`);
    for (const name of Object.keys(LIVE_INDEXES)) await queryRunner.query(`DROP INDEX "${name}"`);
    for (const [name, columns] of Object.entries(REPLACED_INDEXES)) await queryRunner.query(`CREATE INDEX "${name}" ON "images" (${columns})`);
  }
}
