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

/** The base64 text of files the file cache holds, made once per cached file (it lives as long as the file's bytes). */
const base64Texts = new WeakMap<Buffer, Buffer>();
const CLOSING = Buffer.from('"}');

/**
 * An image with its file as `base64_data`, as JSON bytes. The picture is most of the answer:
 * its base64 is made once per cached file and copied in, rather than encoded, escaped and
 * re-encoded by JSON.stringify for every request.
 */
export function withBase64Data(image: SeedImageDto, file: Buffer | null): Buffer | string {
  if (!file) return JSON.stringify({ ...image, base64_data: null });
  let base64 = base64Texts.get(file);
  if (!base64) base64Texts.set(file, (base64 = Buffer.from(file.toString('base64'), 'latin1')));
  return Buffer.concat([Buffer.from(`${JSON.stringify(image).slice(0, -1)},"base64_data":"`), base64, CLOSING]);
}

/** Megabytes with two decimals, as the old stats and reports gave them. */
export function megabytes(bytes: number): number {
  return Math.round((bytes / MB) * 100) / 100;
}

/** Percent with two decimals. */
export function percent(ratio: number): number {
  return Math.round(ratio * 10_000) / 100;
}
