/**
 * What reading an import body finds: pictures (checked, not yet decoded) with what is known of
 * them, and the values that hold a picture that cannot be imported. Every reader of a body form
 * answers this, and the import takes it from there. Also the small readers of stored values
 * they share.
 */
import type { AspectRatio } from '../generation/image-provider.js';
import { checkPicture, looksLikePicture } from './encoded-picture.js';

export interface FoundImage {
  /** Where it was in the body, e.g. `nanoBananaImageLibrary["Rusty Sword"].images[1]`. */
  ref: string;
  base64: string;
  prompt?: string;
  /** The player's addition to the prompt (the game's `customPrompt`). */
  customPrompt?: string;
  itemId?: string;
  itemType?: string;
  style?: string;
  featured?: boolean;
  createdAt?: string;
  /** Which part of the game made it (the old backend's `component`). */
  component?: string;
}

export interface FoundScene {
  ref: string;
  base64: string;
  /** The cache's description: a request in these words (and aspect ratio) is a hit. */
  description: string;
  style?: string;
  /** The cache key's aspect ratio; the service's default when absent. */
  aspectRatio?: AspectRatio;
  /** The image's prompt when it was drawn from other words than the description. */
  prompt?: string;
  /** The app object the picture belongs to (a location). */
  itemId?: string;
  component?: string;
  createdAt?: string;
  /** The entry's history in the game's cache. */
  hitCount?: number;
  lastHitAt?: string;
}

export interface ScanFailure {
  ref: string;
  reason: string;
}

export interface ScanResult {
  images: FoundImage[];
  scenes: FoundScene[];
  failed: ScanFailure[];
}

export type JsonObject = Record<string, unknown>;

export function emptyScan(): ScanResult {
  return { images: [], scenes: [], failed: [] };
}

/**
 * Checks the picture a value should hold: its base64, or undefined once the failure is
 * recorded under `ref` (nothing that holds a picture is passed over in silence).
 */
export function pictureAt(result: ScanResult, ref: string, value: unknown): string | undefined {
  const checked = checkPicture(value);
  if ('error' in checked) {
    result.failed.push({ ref, reason: checked.error });
    return undefined;
  }
  return checked.base64;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-blank string that is not itself a picture; blank counts as absent. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && !looksLikePicture(value) ? value : undefined;
}

const HAS_YEAR = /\d{4}/;

/**
 * ms epoch numbers, or strings `Date` parses that contain a four-digit year (V8 otherwise reads
 * e.g. "12" or "item 1" as dates), as ISO 8601. Strings without a zone are read in the server's zone.
 */
export function isoDate(value: unknown): string | undefined {
  let date: Date;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === 'string' && HAS_YEAR.test(value)) date = new Date(value);
  else return undefined;
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The fields that have a value (a found entry lists only what is known). */
export function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
