import type { ImageVariant } from './storage-paths.js';

/** Where images' files live: STORAGE_DRIVER. */
export const STORAGE_DRIVERS = ['fs', 's3'] as const;
export type StorageDriver = (typeof STORAGE_DRIVERS)[number];

/** One object as a listing of the store finds it. */
export interface StoredObject {
  /** Its name under the store's root (`full/<id>.webp`): what `removeListed` takes. */
  name: string;
  /** The image it is a file of; null for a name this service never writes. */
  imageId: string | null;
  variant: ImageVariant;
  /** A temp file a write left behind (on disk: a bucket's writes are whole or nothing). */
  partial: boolean;
  sizeBytes: number;
  modifiedAt: Date;
}

/**
 * The images' files: a folder (FsImageStore) or an S3 bucket (S3ImageStore), chosen by
 * STORAGE_DRIVER; nothing above this knows which. A write is whole or nothing, so a reader
 * never sees half a picture.
 */
export abstract class ImageStore {
  abstract readonly driver: StorageDriver;
  /** Where it is, for health and logs: a folder, or `s3://bucket/prefix`. */
  abstract readonly location: string;
  /** At boot: what the store needs before the first write (the folders). */
  abstract prepare(): Promise<void>;
  abstract write(imageId: string, variant: ImageVariant, data: Uint8Array): Promise<void>;
  /** The file's bytes; null when there is none. */
  abstract read(imageId: string, variant: ImageVariant): Promise<Buffer | null>;
  /** Removes a file; one that is already gone is not an error. */
  abstract remove(imageId: string, variant: ImageVariant): Promise<void>;
  /** Removes what a listing found (a temp file, a file of no image). */
  abstract removeListed(object: StoredObject): Promise<void>;
  /** Everything under the store's root, a page at a time. */
  abstract list(): AsyncIterable<StoredObject[]>;
  /** For readiness: writes, reads back and removes a small object; throws what failed. */
  abstract probe(): Promise<void>;
  /**
   * A URL a client can fetch the file from directly for `seconds` (a presigned GET), when the
   * store has such URLs; undefined on disk.
   */
  async temporaryUrl(_imageId: string, _variant: ImageVariant, _seconds: number): Promise<string | undefined> {
    return undefined;
  }

  /** The origin temporary URLs point at (for the page's Content-Security-Policy); undefined on disk. */
  get temporaryUrlOrigin(): string | undefined {
    return undefined;
  }

  /** At shutdown: lets go of connections. */
  async close(): Promise<void> {}
}
