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

/** What one input may cost: pixels are checked from its header before decoding, time while processing. */
export interface InputLimits {
  maxPixels: number;
  timeoutSeconds: number;
}

export interface ProcessingOptions {
  webpQuality: number;
  thumbnail: { width: number; height: number };
  limits?: InputLimits;
}

/** Largest input we decode: above Gemini's biggest answers, far below a decompression bomb. */
export const MAX_INPUT_PIXELS = 40_000_000;
/** A provider's answer: Gemini's largest (4K) images, with room to spare. */
export const GENERATED_INPUT_LIMITS: InputLimits = { maxPixels: MAX_INPUT_PIXELS, timeoutSeconds: 60 };
/**
 * Pictures from a browser's LocalStorage, which anyone with the admin route can send: up to
 * 4096×4096 (what a game ever stored), and a few seconds of work each.
 */
export const IMPORTED_INPUT_LIMITS: InputLimits = { maxPixels: 4096 * 4096, timeoutSeconds: 15 };
/** WebP's largest side. */
export const MAX_SIDE = 16_383;

type RasterFormat = 'png' | 'jpeg' | 'webp' | 'gif';

/** The formats we decode, told by their first bytes, whatever the input claims to be. */
export function sniffRasterFormat(data: Buffer): RasterFormat | undefined {
  if (data.length >= 8 && data.readUInt32BE(0) === 0x89504e47 && data.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (data.length >= 6 && ['GIF87a', 'GIF89a'].includes(data.toString('latin1', 0, 6))) return 'gif';
  return undefined;
}

/** Thin adapter around sharp: bytes in, the two stored WebP variants out. */
@Injectable()
export class ImageProcessor {
  /**
   * Decodes once to raw pixels, then encodes the full image and the thumbnail from those
   * pixels in parallel. Decode errors are permanent: callers must not retry them.
   */
  async process(input: Buffer, options: ProcessingOptions): Promise<ProcessedImage> {
    const limits = options.limits ?? GENERATED_INPUT_LIMITS;
    await checkBeforeDecoding(input, limits);
    const timeout = { seconds: limits.timeoutSeconds };
    let raw: { data: Buffer; info: OutputInfo };
    try {
      raw = await sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'error' })
        .rotate() // honour EXIF orientation before the pixels lose their metadata
        .raw()
        .timeout(timeout)
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw new InvalidImageError(`The image could not be decoded: ${describeSharpError(error, limits)}`);
    }

    const { width, height, channels } = raw.info;
    const pixels = () => sharp(raw.data, { raw: { width, height, channels } });
    const webp = { quality: options.webpQuality, effort: 4 };
    const [full, thumbnail] = await Promise.all([
      pixels().webp(webp).timeout(timeout).toBuffer({ resolveWithObject: true }),
      pixels()
        .resize(options.thumbnail.width, options.thumbnail.height, { fit: 'inside', withoutEnlargement: true })
        .webp(webp)
        .timeout(timeout)
        .toBuffer({ resolveWithObject: true }),
    ]).catch((error: unknown) => {
      throw new InvalidImageError(`The image could not be encoded: ${describeSharpError(error, limits)}`);
    });

    return {
      full: { data: full.data, width: full.info.width, height: full.info.height },
      thumbnail: { data: thumbnail.data, width: thumbnail.info.width, height: thumbnail.info.height },
      contentHash: createHash('sha256').update(full.data).digest('hex'),
    };
  }
}

/**
 * The real format, from the bytes (an SVG, TIFF or AVIF is refused whatever it was labelled),
 * and the size, from the header: refused before a pixel is decoded.
 */
async function checkBeforeDecoding(input: Buffer, limits: InputLimits): Promise<void> {
  const format = sniffRasterFormat(input);
  if (!format) throw new InvalidImageError('The data is not a PNG, JPEG, WebP or GIF image (judged by its bytes, not its label)');
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(input, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new InvalidImageError(`The ${format.toUpperCase()} image could not be read: ${describeSharpError(error, limits)}`);
  }
  if (!width || !height) throw new InvalidImageError(`The ${format.toUpperCase()} image does not say how large it is`);
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new InvalidImageError(`The image is ${width}×${height}; each side may be at most ${MAX_SIDE} pixels (WebP's limit)`);
  }
  if (width * height > limits.maxPixels) {
    throw new InvalidImageError(`The image is ${width}×${height}, over the ${limits.maxPixels.toLocaleString('en')}-pixel limit for this kind of image`);
  }
}

function describeSharpError(error: unknown, limits: InputLimits): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return `it is larger than ${limits.maxPixels.toLocaleString('en')} pixels`;
  if (/timeout/i.test(message)) return `it took longer than ${limits.timeoutSeconds} s to process`;
  if (/unsupported image format/i.test(message)) return 'the data is not a supported image (PNG, JPEG, WebP, GIF)';
  return message.split('\n')[0];
}
