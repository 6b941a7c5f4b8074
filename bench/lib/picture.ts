/**
 * Stand-ins for what Gemini answers: PNGs of its sizes with detail at every scale (value noise
 * over several octaves, in colour), so decoding and WebP encoding cost what they cost on
 * painted art. A flat gradient would encode several times faster and flatter the pipeline.
 */
import sharp from 'sharp';
import { seededRandom } from './random.js';

/** Feature size in pixels and its share of the amplitude, coarse to fine. */
const OCTAVES: readonly [number, number][] = [
  [256, 0.42],
  [64, 0.25],
  [16, 0.17],
  [4, 0.12],
  [1, 0.04],
];

export async function detailedPng(width: number, height: number, seed = 1): Promise<Buffer> {
  const next = seededRandom(seed);
  const channels = 3;
  const values = new Float32Array(width * height * channels);
  for (const [cell, amplitude] of OCTAVES) {
    const columns = Math.ceil(width / cell) + 2;
    const rows = Math.ceil(height / cell) + 2;
    for (let channel = 0; channel < channels; channel++) {
      const grid = Float32Array.from({ length: columns * rows }, () => next());
      for (let y = 0; y < height; y++) {
        const gy = Math.floor(y / cell);
        const ty = smooth((y % cell) / cell);
        for (let x = 0; x < width; x++) {
          const gx = Math.floor(x / cell);
          const tx = smooth((x % cell) / cell);
          const top = grid[gy * columns + gx] * (1 - tx) + grid[gy * columns + gx + 1] * tx;
          const bottom = grid[(gy + 1) * columns + gx] * (1 - tx) + grid[(gy + 1) * columns + gx + 1] * tx;
          values[(y * width + x) * channels + channel] += amplitude * (top * (1 - ty) + bottom * ty);
        }
      }
    }
  }
  const pixels = Buffer.alloc(values.length);
  for (let i = 0; i < values.length; i++) pixels[i] = Math.min(255, Math.max(0, Math.round(values[i] * 255)));
  // Gemini's PNGs come at zlib's default effort.
  return sharp(pixels, { raw: { width, height, channels } }).png({ compressionLevel: 6 }).toBuffer();
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}
