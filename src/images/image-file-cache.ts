import type { ImmutableFile } from '../common/http/send-immutable-file.js';
import type { ImageVariant } from '../storage/storage-paths.js';

export interface ImageFileCacheOptions {
  maxBytes: number;
  /**
   * How long an entry may be served without asking the database again. Deletes in this
   * process evict at once; the TTL bounds how long another replica's delete goes unseen.
   */
  ttlMs: number;
  now: () => number;
}

interface Entry {
  file: ImmutableFile;
  expiresAt: number;
}

/**
 * The bytes of recently served image files, least recently used first out, bounded by total
 * size. Files never change under their id, so only deletion can make an entry wrong.
 */
export class ImageFileCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly options: ImageFileCacheOptions) {}

  get enabled(): boolean {
    return this.options.maxBytes > 0;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  /** A fresh entry, or undefined (an expired one is dropped so the caller revalidates). */
  get(id: string, variant: ImageVariant): ImmutableFile | undefined {
    const key = keyOf(id, variant);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.options.now()) {
      this.bytes -= entry.file.data.length;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used goes last
    return entry.file;
  }

  set(id: string, variant: ImageVariant, file: ImmutableFile): void {
    if (file.data.length > this.options.maxBytes) return;
    this.delete(keyOf(id, variant));
    this.entries.set(keyOf(id, variant), { file, expiresAt: this.options.now() + this.options.ttlMs });
    this.bytes += file.data.length;
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= entry.file.data.length;
    }
  }

  /** Forgets both variants of the given images (they were deleted). */
  evict(ids: Iterable<string>): void {
    for (const id of ids) {
      this.delete(keyOf(id, 'full'));
      this.delete(keyOf(id, 'thumbnail'));
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.file.data.length;
  }
}

function keyOf(id: string, variant: ImageVariant): string {
  return `${id.toLowerCase()}/${variant}`;
}
