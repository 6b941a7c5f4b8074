import { createHash } from 'node:crypto';
import { DEFAULT_IMAGE_SIZE, type ImageSize } from '../generation/gemini-models.js';
import type { AspectRatio } from '../generation/image-provider.js';

/** Trimmed, case-folded, whitespace collapsed: "  A Dark   CAVE " and "a dark cave" are one scene. */
export function normalizeSceneText(text: string): string {
  return text.normalize('NFC').trim().toLocaleLowerCase('en-US').replace(/\s+/g, ' ');
}

export interface SceneKeyParts {
  description: string;
  style: string | null;
  aspectRatio: AspectRatio;
  /** The provider's model, so switching models never serves the old model's art. */
  model: string;
  imageSize: ImageSize;
  /** Content hashes of the reference pictures shown to the model, in order. */
  references: readonly string[];
}

/**
 * The cache key: sha256 over the normalized parts, unambiguously joined. The size and the
 * references join the material only when they differ from a plain 1K request, so keys made
 * before they existed still match.
 */
export function sceneCacheKey(parts: SceneKeyParts): string {
  const material = JSON.stringify([
    normalizeSceneText(parts.description),
    parts.style === null ? null : normalizeSceneText(parts.style),
    parts.aspectRatio,
    parts.model,
    ...(parts.imageSize !== DEFAULT_IMAGE_SIZE || parts.references.length > 0 ? [parts.imageSize, parts.references] : []),
  ]);
  return createHash('sha256').update(material).digest('hex');
}
