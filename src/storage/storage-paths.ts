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
 * The only place that turns an image id into file paths. Ids are checked here so a
 * traversal bug has exactly one place to live.
 */
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
    if (!UUID.test(id)) throw new Error(`Refusing to build a path for a non-uuid image id`);
    return join(this.root, VARIANT_DIRS[variant], `${id.toLowerCase()}.webp`);
  }

  /** The image a stored file belongs to, or null for a name this service never writes. */
  parseStoredName(name: string): { id: string } | null {
    const match = /^([0-9a-f-]{36})\.webp$/.exec(name);
    return match && UUID.test(match[1]) ? { id: match[1] } : null;
  }

  tempPathFor(finalPath: string): string {
    return `${finalPath}.${randomBytes(6).toString('hex')}.tmp`;
  }
}
