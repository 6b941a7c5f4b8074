/**
 * The body the old backend's import route documented (and the game never wrote):
 * `{scene_cache: {"scene_cache_<Location>_<time>_<weather>": {image, timestamp}},
 *   item_images: {"item_image_<Name>": {images: [{image, custom_prompt, is_featured}]}}}`,
 * read as the old route read it, into what the game's own keys become. Pure.
 */
import type { LocationScene } from '../scenes/location-scene.js';
import { addItemImage, addLocationScene, forEachItemImage, oneFeatured } from './game-storage.js';
import { emptyScan, isJsonObject, isoDate, type ScanResult, text } from './found-pictures.js';

export interface OldRouteBody {
  sceneCache?: Record<string, unknown>;
  itemImages?: Record<string, unknown>;
}

const SCENE_KEY_PREFIX = 'scene_cache_';
const ITEM_KEY_PREFIX = 'item_image_';

export function readOldRouteBody(body: OldRouteBody): ScanResult {
  const result = emptyScan();
  for (const [key, entry] of Object.entries(body.sceneCache ?? {})) {
    const ref = `scene_cache[${JSON.stringify(key)}]`;
    const where = parseOldSceneKey(key);
    if (where === undefined) {
      result.failed.push({ ref, reason: 'the key should be scene_cache_<Location>_<time of day>_<weather>, so the scene is not known' });
    } else if (!isJsonObject(entry)) {
      result.failed.push({ ref, reason: 'is not a cached scene ({image, timestamp})' });
    } else {
      addLocationScene(result, ref, entry.image, where, { createdAt: isoDate(entry.timestamp) });
    }
  }
  const shapes = { item: '{images: [{image, custom_prompt, is_featured}]}', image: '{image, custom_prompt, is_featured}' };
  for (const [key, item] of Object.entries(body.itemImages ?? {})) {
    const name = key.startsWith(ITEM_KEY_PREFIX) ? key.slice(ITEM_KEY_PREFIX.length) : key;
    const claimFeatured = oneFeatured();
    forEachItemImage(result, `item_images[${JSON.stringify(key)}]`, item, shapes, (image, imageRef) =>
      addItemImage(result, imageRef, image.image, name, {
        featured: claimFeatured(image.is_featured === true),
        prompt: text(image.prompt),
        customPrompt: text(image.custom_prompt),
        createdAt: isoDate(image.timestamp),
      }),
    );
  }
  return result;
}

/**
 * `scene_cache_<Location>_<time>_<weather>` split on `_` as the old route did: the location is
 * the first part, the time of day the second, the weather the rest (it may hold `_`).
 */
export function parseOldSceneKey(key: string): LocationScene | undefined {
  const [location, timeOfDay, ...weather] = (key.startsWith(SCENE_KEY_PREFIX) ? key.slice(SCENE_KEY_PREFIX.length) : key).split('_');
  if (!location || !timeOfDay || weather.join('_') === '') return undefined;
  return { location, timeOfDay, weather: weather.join('_') };
}
