import type { ImageEntity } from '../images/image.entity.js';

export interface HotScene {
  cacheKey: string;
  expiresAt: Date;
  /** Hits already persisted (or being persisted); pending ones live in the SceneHitBuffer. */
  hitCount: number;
  image: ImageEntity;
  /** After this the database is asked again: bounds how long another replica's change goes unseen. */
  revalidateAt: number;
}

/**
 * Recently hit scene entries with their images, so a cache hit needs no query. Bounded,
 * least recently used out; entries go when they expire, on revalidation, when their image is
 * deleted in this process, and on clear.
 */
export class HotScenes {
  private readonly scenes = new Map<string, HotScene>();

  constructor(private readonly maxEntries: number) {}

  get(cacheKey: string, now: Date): HotScene | undefined {
    const scene = this.scenes.get(cacheKey);
    if (!scene) return undefined;
    this.scenes.delete(cacheKey);
    if (scene.expiresAt <= now || scene.revalidateAt <= now.getTime()) return undefined;
    this.scenes.set(cacheKey, scene); // most recently used goes last
    return scene;
  }

  set(scene: HotScene): void {
    this.scenes.delete(scene.cacheKey);
    this.scenes.set(scene.cacheKey, scene);
    if (this.scenes.size > this.maxEntries) this.scenes.delete(this.scenes.keys().next().value!);
  }

  /** Hits handed to the database count as persisted from now on. */
  addPersistedHits(cacheKey: string, hits: number): void {
    const scene = this.scenes.get(cacheKey);
    if (scene) scene.hitCount += hits;
  }

  forgetImages(imageIds: string[]): void {
    const gone = new Set(imageIds);
    for (const [key, scene] of this.scenes) if (gone.has(scene.image.id)) this.scenes.delete(key);
  }

  clear(): void {
    this.scenes.clear();
  }
}
