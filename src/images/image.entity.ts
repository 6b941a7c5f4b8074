import { Column, DeleteDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AspectRatio, ImageSource } from '../generation/image-provider.js';

/** Lengths of an image's descriptive fields: the columns', for every way in (generate, search, import). */
export const IMAGE_FIELD_LIMITS = { style: 200, itemId: 200, itemType: 50 } as const;

/** A stored picture: one full WebP and one thumbnail on disk, addressed by `id`. */
@Entity('images')
// Search's order and filters over live images only (migration IndexLiveImages explains).
@Index('idx_images_live_created_at', ['createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('idx_images_live_item', ['itemId', 'createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('idx_images_live_item_type', ['itemType', 'createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('idx_images_live_featured', ['featured', 'createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('idx_images_live_source', ['source', 'createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('idx_images_live_parent', ['parentId', 'createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('idx_images_source', ['source', 'createdAt'])
@Index('idx_images_content_hash', ['contentHash'])
@Index('idx_images_deleted_at', ['deletedAt'], { where: '"deleted_at" IS NOT NULL' })
@Index('idx_images_source_hash', ['sourceHash'])
@Index('idx_images_job', ['jobId'], { where: '"job_id" IS NOT NULL' })
@Index('idx_images_number', ['number'], { unique: true })
export class ImageEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /**
   * A stable integer id, never reused, for clients that keep integers (the old backend's, on
   * `/api/v1`). Assigned from the `images` sequence when the row is written.
   */
  @Column({ type: 'integer' })
  number!: number;

  @Column({ type: 'text' })
  prompt!: string;

  @Column({ type: 'varchar', length: IMAGE_FIELD_LIMITS.style, nullable: true })
  style!: string | null;

  @Column({ name: 'item_id', type: 'varchar', length: IMAGE_FIELD_LIMITS.itemId, nullable: true })
  itemId!: string | null;

  @Column({ name: 'item_type', type: 'varchar', length: IMAGE_FIELD_LIMITS.itemType, nullable: true })
  itemType!: string | null;

  @Column({ type: 'boolean', default: false })
  featured!: boolean;

  @Column({ type: 'varchar', length: 16 })
  source!: ImageSource;

  @Column({ type: 'varchar', length: 100, nullable: true })
  model!: string | null;

  @Column({ name: 'aspect_ratio', type: 'varchar', length: 8, nullable: true })
  aspectRatio!: AspectRatio | null;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ name: 'thumbnail_width', type: 'integer' })
  thumbnailWidth!: number;

  @Column({ name: 'thumbnail_height', type: 'integer' })
  thumbnailHeight!: number;

  @Column({ name: 'thumbnail_size_bytes', type: 'integer' })
  thumbnailSizeBytes!: number;

  /** sha256 hex of the stored full WebP; also the strong ETag of the file routes. */
  @Column({ name: 'content_hash', type: 'varchar', length: 64 })
  contentHash!: string;

  /** Which part of a client asked for it (the old backend's `component`, e.g. `scene-viewer`). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  component!: string | null;

  /** The player's addition to the prompt, kept apart from it (already part of `prompt`). */
  @Column({ name: 'custom_prompt', type: 'text', nullable: true })
  customPrompt!: string | null;

  /** How often a client fetched this image by its number. */
  @Column({ name: 'use_count', type: 'integer', default: 0 })
  useCount!: number;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt!: Date | null;

  /** How long the provider took to draw it; null for imports. */
  @Column({ name: 'generation_ms', type: 'integer', nullable: true })
  generationMs!: number | null;

  /**
   * The image this one was edited from (POST /images/{id}/edit); null for a first drawing. Kept
   * when the parent is deleted: lineage is history.
   */
  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true })
  parentId!: string | null;

  /** The generation job that drew it: a job run again after its replica died finds it here. */
  @Column({ name: 'job_id', type: 'varchar', length: 36, nullable: true })
  jobId!: string | null;

  /** Imports only: sha256 of the decoded input, so the same data is never imported twice. */
  @Column({ name: 'source_hash', type: 'varchar', length: 64, nullable: true })
  sourceHash!: string | null;

  /**
   * `type: Date` (here and on every date column) leaves the column type to the driver: SQLite
   * stores UTC text in a `datetime` column, PostgreSQL a `timestamptz` (see the migrations).
   */
  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  /** Set by a soft delete; the files stay until orphan cleanup purges them. */
  @DeleteDateColumn({ name: 'deleted_at', type: Date, nullable: true })
  deletedAt!: Date | null;
}
