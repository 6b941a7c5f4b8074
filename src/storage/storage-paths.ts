import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** The two files of every image. */
export const IMAGE_VARIANTS = ['full', 'thumbnail'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

const VARIANT_DIRS: Record<ImageVariant, string> = { full: 'full', thumbnail: 'thumbnails' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Temp files are `<final name>.<random>.tmp`; cleanup recognises them by this pattern. */
export const TEMP_FILE_PATTERN = /\.[0-9a-f]{12}\.tmp$/;

/**
 * An image file's name under the store's root, the same on disk and in a bucket:
 * `full/<id>.webp`, `thumbnails/<id>.webp`. Ids are checked here, so a traversal bug has
 * exactly one place to live.
 */
export function imageFileName(id: string, variant: ImageVariant): string {
  if (!UUID.test(id)) throw new Error(`Refusing to build a path for a non-uuid image id`);
  return `${VARIANT_DIRS[variant]}/${id.toLowerCase()}.webp`;
}

/** What a name under the store's root is: an image's file, a temp file of one, or (null) nothing this service writes. */
export function parseImageFileName(name: string): { imageId: string | null; variant: ImageVariant; partial: boolean } | null {
  const slash = name.indexOf('/');
  const variant = (Object.keys(VARIANT_DIRS) as ImageVariant[]).find((candidate) => VARIANT_DIRS[candidate] === name.slice(0, slash));
  if (slash === -1 || !variant) return null;
  const base = name.slice(slash + 1);
  if (base.includes('/')) return null;
  const match = /^([0-9a-f-]{36})\.webp$/.exec(base);
  return { imageId: match && UUID.test(match[1]) ? match[1] : null, variant, partial: TEMP_FILE_PATTERN.test(base) };
}

/** The image folder on disk: the store's names joined to IMAGE_STORAGE_DIR. */
export class StoragePaths {
  constructor(readonly root: string) {}

  get directories(): string[] {
    return this.variantDirectories.map(({ dir }) => dir);
  }

  /** Each variant with its folder. */
  get variantDirectories(): Array<{ variant: ImageVariant; dir: string }> {
    return (Object.keys(VARIANT_DIRS) as ImageVariant[]).map((variant) => ({ variant, dir: join(this.root, VARIANT_DIRS[variant]) }));
  }

  variantPath(id: string, variant: ImageVariant): string {
    return join(this.root, imageFileName(id, variant));
  }

  tempPathFor(finalPath: string): string {
    return `${finalPath}.${randomBytes(6).toString('hex')}.tmp`;
  }
}
