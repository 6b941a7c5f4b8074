/**
 * The old browser game's LocalStorage, built the way its code wrote it (retro-adventure-game.html:
 * ImageLibrary.saveImage / setFeaturedImage, SceneCache.set / get, saveGameState), so that
 * tests post exactly what a player's browser holds. Pictures are given as the game had them:
 * bare base64 (the generator's answer) or a data URL.
 */

/** `nanoBananaImageLibrary[<item name>].images[i]` */
export interface GameLibraryImage {
  id: string;
  data: string;
  timestamp: string;
  customPrompt: string;
}

/** `nanoBananaImageLibrary[<item name>]` */
export interface GameLibraryItem {
  featured: string | null;
  images: GameLibraryImage[];
}

/** `nanoBananaSceneCache[<scene key>]` */
export interface GameCachedScene {
  location: string;
  imageData: string;
  timeOfDay: string;
  weather: string;
  prompt: string;
  timestamp: string;
  lastUsed: string;
  useCount: number;
}

/** The game's keys that hold no pictures, with what a short session leaves in them. */
const OTHER_KEYS = {
  aidnd_savegame: JSON.stringify({
    version: '1.0',
    timestamp: 1761385509000,
    state: { character: { name: 'Aria', class: 'Ranger' }, inventory: ['Rusty Sword', 'Torch'], currentLocation: 'emberpeak_entrance', playerHP: 18, maxHP: 20, turn: 12 },
  }),
  gameState: JSON.stringify({ currentLocation: 'emberpeak_entrance', turn: 12 }),
  lastActiveTab: 'inventory',
  'dnd-theme': 'cyber',
};

export class GameLocalStorage {
  readonly library: Record<string, GameLibraryItem> = {};
  readonly sceneCache: Record<string, GameCachedScene> = {};
  private saved = 0;

  /** The game's clock (its own `Date.now()`), which moves only when told. */
  constructor(private now = Date.parse('2025-10-25T09:45:09.000Z')) {}

  advance(milliseconds: number): this {
    this.now += milliseconds;
    return this;
  }

  /** ImageLibrary.saveImage: the item's first image becomes its featured one. Answers the image's id. */
  saveImage(itemName: string, data: string, customPrompt = ''): string {
    const item = (this.library[itemName] ??= { featured: null, images: [] });
    const id = `img_${this.now}_${(++this.saved).toString(36).padStart(9, 'k')}`;
    item.images.push({ id, data, timestamp: this.isoNow(), customPrompt });
    item.featured ??= id;
    return id;
  }

  /** ImageLibrary.setFeaturedImage */
  setFeatured(itemName: string, imageId: string): this {
    this.library[itemName].featured = imageId;
    return this;
  }

  /** SceneCache.set; answers the scene's key. */
  cacheScene(location: string, imageData: string, timeOfDay = 'day', weather = 'clear', prompt = ''): string {
    const key = sceneKey(location, timeOfDay, weather);
    this.sceneCache[key] = { location, imageData, timeOfDay, weather, prompt, timestamp: this.isoNow(), lastUsed: this.isoNow(), useCount: 1 };
    return key;
  }

  /** SceneCache.get: a hit in the game counts a use. */
  useScene(location: string, timeOfDay = 'day', weather = 'clear'): this {
    const scene = this.sceneCache[sceneKey(location, timeOfDay, weather)];
    scene.lastUsed = this.isoNow();
    scene.useCount++;
    return this;
  }

  /** `Object.fromEntries(Object.entries(localStorage))`: every value the JSON string the game stored. */
  dump(): Record<string, string> {
    return { ...OTHER_KEYS, nanoBananaSceneCache: JSON.stringify(this.sceneCache), nanoBananaImageLibrary: JSON.stringify(this.library) };
  }

  /** The same with the two picture keys already parsed, as a client that parsed them sends it. */
  parsedDump(): Record<string, unknown> {
    return { ...OTHER_KEYS, nanoBananaSceneCache: structuredClone(this.sceneCache), nanoBananaImageLibrary: structuredClone(this.library) };
  }

  /** How many pictures the dump holds. */
  get pictureCount(): number {
    return Object.keys(this.sceneCache).length + Object.values(this.library).reduce((sum, item) => sum + item.images.length, 0);
  }

  private isoNow(): string {
    return new Date(this.now).toISOString();
  }
}

/** SceneCache.getSceneKey */
export function sceneKey(location: string, timeOfDay: string, weather: string): string {
  return `scene_${location}_${timeOfDay}_${weather}`.toLowerCase().replace(/\s+/g, '-');
}
