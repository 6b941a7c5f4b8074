import type { ImageVariant } from '../storage/storage-paths.js';

/** A stored picture's bytes, as the images service hands them out. */
export interface ImageFile {
  bytes: Buffer;
  variant: ImageVariant;
  /** sha256 of the image's full WebP: what the file routes' ETags derive from. */
  contentHash: string;
  mimeType: 'image/webp';
}

/** Where a client can fetch a stored picture itself for a while (a presigned URL of the bucket). */
export interface ImageFileLink {
  url: string;
  /** How long the URL works. */
  validSeconds: number;
  variant: ImageVariant;
  contentHash: string;
}
