/**
 * The old browser game's LocalStorage (shared/SEED-V1.md, "What a user of the old backend
 * already has"): its two picture keys read field by field, and what their entries become.
 *
 * - `nanoBananaSceneCache`: `{ "<scene key>": {location, imageData, timeOfDay, weather, prompt,
 *   timestamp, lastUsed, useCount} }` → a scene cached under the description `/api/v1/scenes`
 *   uses for (location, timeOfDay, weather) at 16:9, so the game's scenes are hits there.
 * - `nanoBananaImageLibrary`: `{ "<item name>": {featured: <image id | null>, images: [{id, data,
 *   timestamp, customPrompt}]} }` → images of the item (itemId = its name), the `featured` one
 *   featured.
 *
 * Each key's value is the JSON string LocalStorage holds, or that JSON already parsed. Pure.
 */
import { LOCATION_SCENE_ASPECT_RATIO, type LocationScene, locationSceneDescription } from '../scenes/location-scene.js';
import { defined, isJsonObject, isoDate, type JsonObject, pictureAt, type ScanResult, text } from './found-pictures.js';

export const SCENE_CACHE_KEY = 'nanoBananaSceneCache';
export const IMAGE_LIBRARY_KEY = 'nanoBananaImageLibrary';

/** Keys the game (and its pages) wrote besides the picture keys; none holds a picture. */
const OTHER_GAME_KEYS = new Set(['aidnd_savegame', 'gameState', 'lastActiveTab', 'dnd-theme', 'preferred-theme', 'gemini-chat-analytics', 'GEMINI_API_KEY']);

/** A key the game writes: one of them at a body's top level says the body is its LocalStorage. */
export function isGameStorageKey(key: string): boolean {
  return key.startsWith('nanoBanana') || OTHER_GAME_KEYS.has(key);
}

/** Readers of the keys whose layout is the game's, by key. */
export const GAME_PICTURE_READERS: Readonly<Record<string, (value: unknown, result: ScanResult) => void>> = {
  [SCENE_CACHE_KEY]: readSceneCache,
  [IMAGE_LIBRARY_KEY]: readImageLibrary,
};

/** The components the old backend's import gave these pictures (the game's scene viewer and item modal). */
const SCENE_COMPONENT = 'scene-viewer';
const ITEM_COMPONENT = 'item-modal';
/** What the game's SceneCache.set assumed when not told. */
const DEFAULT_TIME_OF_DAY = 'day';
const DEFAULT_WEATHER = 'clear';
/** hitCount is an integer column. */
const MAX_HIT_COUNT = 2_147_483_647;

function readSceneCache(value: unknown, result: ScanResult): void {
  const cache = storedObject(SCENE_CACHE_KEY, value, result, 'an object of cached scenes');
  for (const [key, entry] of Object.entries(cache ?? {})) {
    const ref = `${SCENE_CACHE_KEY}[${JSON.stringify(key)}]`;
    if (!isJsonObject(entry)) {
      result.failed.push({ ref, reason: 'is not a cached scene ({location, imageData, timeOfDay, weather, …})' });
      continue;
    }
    addLocationScene(result, ref, entry.imageData, entry, {
      prompt: text(entry.prompt),
      createdAt: isoDate(entry.timestamp),
      lastHitAt: isoDate(entry.lastUsed),
      hitCount: hitCount(entry.useCount),
    });
  }
}

function readImageLibrary(value: unknown, result: ScanResult): void {
  const library = storedObject(IMAGE_LIBRARY_KEY, value, result, 'an object of items');
  for (const [name, item] of Object.entries(library ?? {})) {
    const featuredId = isJsonObject(item) && typeof item.featured === 'string' && item.featured !== '' ? item.featured : undefined;
    const claimFeatured = oneFeatured();
    const shapes = { item: '{featured, images: [{id, data, timestamp, customPrompt}]}', image: '{id, data, timestamp, customPrompt}' };
    forEachItemImage(result, `${IMAGE_LIBRARY_KEY}[${JSON.stringify(name)}]`, item, shapes, (image, imageRef) =>
      addItemImage(result, imageRef, image.data, name, {
        featured: claimFeatured(featuredId !== undefined && image.id === featuredId),
        customPrompt: text(image.customPrompt),
        createdAt: isoDate(image.timestamp),
      }),
    );
  }
}

/** What is known of a cached location scene besides where it is. */
export interface LocationSceneHistory {
  prompt?: string;
  createdAt?: string;
  lastHitAt?: string;
  hitCount?: number;
}

/**
 * A cached scene of a location: its picture becomes the cache entry for the location's
 * description (time of day and weather defaulting as the game's did), and an image of the location.
 */
export function addLocationScene(result: ScanResult, ref: string, picture: unknown, where: Partial<Record<keyof LocationScene, unknown>>, history: LocationSceneHistory): void {
  const base64 = pictureAt(result, ref, picture);
  if (base64 === undefined) return;
  const location = text(where.location)?.trim();
  if (location === undefined) {
    result.failed.push({ ref, reason: 'the scene has no location, so it cannot become a cached scene' });
    return;
  }
  const scene: LocationScene = {
    location,
    timeOfDay: text(where.timeOfDay)?.trim() ?? DEFAULT_TIME_OF_DAY,
    weather: text(where.weather)?.trim() ?? DEFAULT_WEATHER,
  };
  result.scenes.push({
    ref,
    base64,
    description: locationSceneDescription(scene),
    aspectRatio: LOCATION_SCENE_ASPECT_RATIO,
    itemId: location,
    component: SCENE_COMPONENT,
    ...defined(history),
  });
}

/** What is known of an item's image besides the item. */
export interface ItemImageDetails {
  featured: boolean;
  prompt?: string;
  customPrompt?: string;
  createdAt?: string;
}

/** An image of a named item: the name is its itemId (the v1 subject_name); the prompt, the custom one unless told. */
export function addItemImage(result: ScanResult, ref: string, picture: unknown, itemName: string, details: ItemImageDetails): void {
  const base64 = pictureAt(result, ref, picture);
  if (base64 === undefined) return;
  const { prompt, customPrompt, ...rest } = details;
  result.images.push({
    ref,
    base64,
    itemId: text(itemName),
    itemType: 'item',
    component: ITEM_COMPONENT,
    ...defined({ prompt: prompt ?? customPrompt, customPrompt, ...rest }),
  });
}

/**
 * Each entry of an item's `images` list, with where it is. An item that is not
 * `{…, images: [...]}`, and an entry that is not an object, are reported (they may hold
 * pictures); an item without `images` holds none.
 */
export function forEachItemImage(
  result: ScanResult,
  ref: string,
  item: unknown,
  shapes: { item: string; image: string },
  read: (image: JsonObject, imageRef: string) => void,
): void {
  if (!isJsonObject(item) || (item.images !== undefined && !Array.isArray(item.images))) {
    result.failed.push({ ref, reason: `is not an item of the image library (${shapes.item})` });
    return;
  }
  ((item.images as unknown[] | undefined) ?? []).forEach((image, index) => {
    const imageRef = `${ref}.images[${index}]`;
    if (isJsonObject(image)) read(image, imageRef);
    else result.failed.push({ ref: imageRef, reason: `is not an image entry (${shapes.image})` });
  });
}

/** Marks at most one image of an item featured: the first that claims it. */
export function oneFeatured(): (claims: boolean) => boolean {
  let taken = false;
  return (claims) => {
    if (!claims || taken) return false;
    taken = true;
    return true;
  };
}

/**
 * A picture key's value: the JSON string LocalStorage holds, or that value already parsed.
 * Absent or empty, it holds nothing; anything else that is not an object is reported.
 */
function storedObject(key: string, value: unknown, result: ScanResult, shape: string): JsonObject | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return undefined;
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      result.failed.push({ ref: key, reason: 'is not valid JSON (is the dump cut short?), so its pictures cannot be read' });
      return undefined;
    }
  }
  if (parsed === null || parsed === undefined) return undefined;
  if (isJsonObject(parsed)) return parsed;
  result.failed.push({ ref: key, reason: `should be ${shape}, so its pictures cannot be read` });
  return undefined;
}

function hitCount(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? Math.min(value as number, MAX_HIT_COUNT) : undefined;
}
