import { Injectable, type OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { LRUCache } from 'lru-cache';
import type { ImageEntity } from '../images/image.entity.js';
import { IMAGES_CHANGED, type ImagesChangedEvent } from '../images/image-events.js';
import { ReplicaEvents } from '../redis/replica-events.js';

export interface HotScene {
  cacheKey: string;
  expiresAt: Date;
  /** Hits already persisted (or being persisted); pending ones live in the SceneHitCounter. */
  hitCount: number;
  image: ImageEntity;
  /** After this the database is asked again: bounds how long another replica's change goes unseen. */
  revalidateAt: number;
}

/** How long a hot entry is trusted before the database is asked again. */
export const HOT_SCENE_TTL_MS = 60_000;
export const HOT_SCENE_LIMIT = 1000;

/**
 * Recently hit scene entries with their images, so a cache hit needs no query. Bounded, least
 * recently used out (lru-cache); an entry goes when it expires or is due for revalidation (by
 * the service's clock, not lru-cache's), when its image changes, and on any clear.
 *
 * A request that read the database before a change must not put what it read back into
 * memory: it takes a `snapshot()` before reading and `remember`s with it, which does nothing
 * if anything was forgotten in between.
 */
@Injectable()
export class HotSceneCache implements OnModuleInit {
  private readonly scenes = new LRUCache<string, HotScene>({ max: HOT_SCENE_LIMIT });
  private generation = 0;

  constructor(private readonly replicaEvents: ReplicaEvents) {}

  onModuleInit(): void {
    // Another replica cleared entries: which ones is not known here, so all are read again.
    this.replicaEvents.on('scene-cache-cleared', () => this.forgetAll());
  }

  @OnEvent(IMAGES_CHANGED)
  onImagesChanged({ ids }: ImagesChangedEvent): void {
    this.forgetImages(ids);
  }

  get(cacheKey: string, now: Date): HotScene | undefined {
    const scene = this.scenes.get(cacheKey);
    if (!scene) return undefined;
    if (scene.expiresAt > now && scene.revalidateAt > now.getTime()) return scene;
    this.scenes.delete(cacheKey);
    return undefined;
  }

  /** Marks the moment before a database read; see `remember`. */
  snapshot(): number {
    return this.generation;
  }

  /** Keeps a scene read or made since `snapshot` in memory, unless something was forgotten meanwhile. */
  remember(snapshot: number, scene: Omit<HotScene, 'revalidateAt'>, now: Date): HotScene {
    const hot = { ...scene, revalidateAt: now.getTime() + HOT_SCENE_TTL_MS };
    if (snapshot === this.generation) this.scenes.set(hot.cacheKey, hot);
    return hot;
  }

  /** Hits handed to the database count as persisted from now on (negative: given back). */
  addPersistedHits(cacheKey: string, hits: number): void {
    const scene = this.scenes.peek(cacheKey);
    if (scene) scene.hitCount += hits;
  }

  forgetImages(imageIds: string[]): void {
    this.generation++;
    const gone = new Set(imageIds);
    for (const [key, scene] of this.scenes.entries()) if (gone.has(scene.image.id)) this.scenes.delete(key);
  }

  forgetAll(): void {
    this.generation++;
    this.scenes.clear();
  }
}
