import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import sharp, { type OutputInfo } from 'sharp';
import { InvalidImageError } from '../common/errors.js';

export interface EncodedImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface ProcessedImage {
  full: EncodedImage;
  thumbnail: EncodedImage;
  /** sha256 hex of the stored full WebP. */
  contentHash: string;
}

export interface ProcessingOptions {
  webpQuality: number;
  thumbnail: { width: number; height: number };
}

/** Largest input we decode: above Gemini's biggest answers, far below a decompression bomb. */
export const MAX_INPUT_PIXELS = 40_000_000;

/** Thin adapter around sharp: bytes in, the two stored WebP variants out. */
@Injectable()
export class ImageProcessor {
  /**
   * Decodes once to raw pixels, then encodes the full image and the thumbnail from those
   * pixels in parallel. Decode errors are permanent: callers must not retry them.
   */
  async process(input: Buffer, options: ProcessingOptions): Promise<ProcessedImage> {
    let raw: { data: Buffer; info: OutputInfo };
    try {
      raw = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
        .rotate() // honour EXIF orientation before the pixels lose their metadata
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new InvalidImageError(`The image could not be decoded: ${describeSharpError(error)}`);
    }

    const { width, height, channels } = raw.info;
    const pixels = () => sharp(raw.data, { raw: { width, height, channels } });
    const webp = { quality: options.webpQuality, effort: 4 };
    const [full, thumbnail] = await Promise.all([
      pixels().webp(webp).toBuffer({ resolveWithObject: true }),
      pixels()
        .resize(options.thumbnail.width, options.thumbnail.height, { fit: 'inside', withoutEnlargement: true })
        .webp(webp)
        .toBuffer({ resolveWithObject: true }),
    ]);

    return {
      full: { data: full.data, width: full.info.width, height: full.info.height },
      thumbnail: { data: thumbnail.data, width: thumbnail.info.width, height: thumbnail.info.height },
      contentHash: createHash('sha256').update(full.data).digest('hex'),
    };
  }
}

function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return `it is larger than ${MAX_INPUT_PIXELS.toLocaleString('en')} pixels`;
  if (/unsupported image format/i.test(message)) return 'the data is not a supported image (PNG, JPEG, WebP, GIF)';
  return message.split('\n')[0];
}
