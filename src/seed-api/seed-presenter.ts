import type { ImageEntity } from '../images/image.entity.js';
import type { SeedImageDto } from './dto/seed-image.dto.js';

const MB = 1024 * 1024;

/**
 * An image as the old backend's clients read it. Images made through v2 may lack what v1
 * always had (a subject, a component): `subjectName` (a scene's location) fills in, then
 * the prompt; the component says what made it.
 */
export function toSeedImage(image: ImageEntity, subjectName?: string): SeedImageDto {
  return {
    id: image.number,
    subject_name: image.itemId ?? subjectName ?? image.prompt.slice(0, 200),
    subject_type: image.itemType ?? 'item',
    component: image.component ?? image.source,
    // The old relative-path form; clients only test these for truth.
    storage_path_full: `images/full/${image.id}.webp`,
    storage_path_thumbnail: `images/thumbnails/${image.id}.webp`,
    file_size_bytes: image.sizeBytes,
    generation_time_ms: image.generationMs ?? 0,
    created_at: image.createdAt.toISOString(),
    is_featured: image.featured,
    use_count: image.useCount,
  };
}

/** Megabytes with two decimals, as the old stats and reports gave them. */
export function megabytes(bytes: number): number {
  return Math.round((bytes / MB) * 100) / 100;
}

/** Percent with two decimals. */
export function percent(ratio: number): number {
  return Math.round(ratio * 10_000) / 100;
}
