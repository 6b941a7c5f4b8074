import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { AspectRatio } from '../generation/image-provider.js';
import { ImageEntity } from '../images/image.entity.js';

/** A cached scene: the image drawn for one normalized description, style, ratio and model. */
@Entity('scene_cache')
@Index('idx_scene_cache_expires_at', ['expiresAt'])
@Index('idx_scene_cache_image_id', ['imageId'])
export class SceneCacheEntry {
  /** sha256 hex of the normalized description, style, aspect ratio and model. */
  @PrimaryColumn({ name: 'cache_key', type: 'varchar', length: 64 })
  cacheKey!: string;

  /** The normalized description (trimmed, case-folded, whitespace collapsed). */
  @Column({ type: 'text' })
  description!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  style!: string | null;

  @Column({ name: 'aspect_ratio', type: 'varchar', length: 8 })
  aspectRatio!: AspectRatio;

  /** The model that drew it (`local` for the local provider). */
  @Column({ type: 'varchar', length: 100 })
  model!: string;

  @Column({ name: 'image_id', type: 'varchar', length: 36 })
  imageId!: string;

  @ManyToOne(() => ImageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'image_id' })
  image?: ImageEntity;

  /** Requests answered from this entry since it was stored. */
  @Column({ name: 'hit_count', type: 'integer', default: 0 })
  hitCount!: number;

  @Column({ name: 'last_hit_at', type: Date, nullable: true })
  lastHitAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;
}

/** The cache's lifetime counters: one row, id 1. */
@Entity('scene_cache_counters')
export class SceneCacheCounters {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer', default: 0 })
  hits!: number;

  @Column({ type: 'integer', default: 0 })
  misses!: number;
}
