import { LRUCache } from 'lru-cache';
import type { ImageVariant } from '../storage/storage-paths.js';
import type { ImageFile } from './image-file.js';

export interface ImageFileCacheOptions {
  maxBytes: number;
  /**
   * How long an entry may be served without asking the database again. Deletes in this
   * process evict at once; the TTL bounds how long another replica's delete goes unseen.
   */
  ttlMs: number;
  /** The service's clock, in milliseconds, so tests move time instead of waiting. */
  now: () => number;
}

/**
 * The bytes of recently served image files, least recently used first out, bounded by total
 * size (lru-cache). Files never change under their id, so only deletion can make an entry wrong.
 */
export class ImageFileCache {
  readonly enabled: boolean;
  private readonly files: LRUCache<string, ImageFile>;

  constructor(options: ImageFileCacheOptions) {
    this.enabled = options.maxBytes > 0;
    this.files = new LRUCache({
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: (file) => file.bytes.length,
      ttl: options.ttlMs,
      // Staleness by the injected clock, read on every lookup (no cached "now").
      perf: { now: options.now },
      ttlResolution: 0,
    });
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.files.size, bytes: this.files.calculatedSize };
  }

  /** A fresh entry, or undefined (an expired one is dropped so the caller revalidates). */
  get(id: string, variant: ImageVariant): ImageFile | undefined {
    return this.enabled ? this.files.get(keyOf(id, variant)) : undefined;
  }

  set(id: string, file: ImageFile): void {
    // lru-cache refuses (does not store) an entry larger than the whole cache.
    if (this.enabled) this.files.set(keyOf(id, file.variant), file);
  }

  /** Forgets both variants of the given images (they were deleted). */
  evict(ids: Iterable<string>): void {
    for (const id of ids) {
      this.files.delete(keyOf(id, 'full'));
      this.files.delete(keyOf(id, 'thumbnail'));
    }
  }
}

function keyOf(id: string, variant: ImageVariant): string {
  return `${id.toLowerCase()}/${variant}`;
}
