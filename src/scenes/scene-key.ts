import { createHash } from 'node:crypto';
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
}

/** The cache key: sha256 over the normalized parts, unambiguously joined. */
export function sceneCacheKey(parts: SceneKeyParts): string {
  const material = JSON.stringify([
    normalizeSceneText(parts.description),
    parts.style === null ? null : normalizeSceneText(parts.style),
    parts.aspectRatio,
    parts.model,
  ]);
  return createHash('sha256').update(material).digest('hex');
}
