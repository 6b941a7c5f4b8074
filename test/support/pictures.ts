import sharp from 'sharp';

export type PictureFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export const MIME_TYPES: Readonly<Record<PictureFormat, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

/** A small picture of one colour of its own (seeds below 256 give different colours), encoded as asked. */
export function flatPicture(seed: number, format: PictureFormat = 'png', size = { width: 64, height: 48 }): Promise<Buffer> {
  const background = { r: (seed * 37) % 256, g: (90 + seed * 11) % 256, b: (200 + seed * 53) % 256 };
  return sharp({ create: { ...size, channels: 3, background } }).toFormat(format).toBuffer();
}

/**
 * A picture of noise: it compresses as badly as a drawn picture, so a dump of them weighs what
 * a player's does. Each call draws different noise.
 */
export function noisyPicture(format: PictureFormat, size: { width: number; height: number }): Promise<Buffer> {
  return sharp({ create: { ...size, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 48 } } })
    .toFormat(format, format === 'png' ? { compressionLevel: 1 } : { quality: 85 })
    .toBuffer();
}

/** The bytes as a data URL; the label is the caller's (the game wrote WebP under image/png). */
export function dataUrl(bytes: Buffer, mimeType: string): string {
  return `data:${mimeType};base64,${bytes.toString('base64')}`;
}
