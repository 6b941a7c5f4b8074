import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationService } from '../generation/generation.service.js';
import type { ImageSize } from '../generation/gemini-models.js';
import { type AspectRatio, DEFAULT_ASPECT_RATIO } from '../generation/image-provider.js';
import type { ReferenceRequest, ResolvedReferences } from '../images/image-references.js';
import type { ImageEntity } from '../images/image.entity.js';
import { ImagesService } from '../images/images.service.js';
import { ReplicaEvents } from '../redis/replica-events.js';
import { type HotScene, HotSceneCache } from './hot-scene-cache.js';
import { SceneCacheEntry } from './scene-cache-entry.entity.js';
import { SceneFlights } from './scene-flights.js';
import { SceneHitCounter } from './scene-hit-counter.js';
import { normalizeSceneText, sceneCacheKey, type SceneKeyParts } from './scene-key.js';
import { ScenesRepository, type SceneCacheTotals } from './scenes.repository.js';
import type { JobRun } from '../jobs/job-kinds.js';

export interface SceneCommand {
  description: string;
  style?: string;
  aspectRatio?: AspectRatio;
  forceRegenerate?: boolean;
  /** The app object a newly drawn image belongs to (a location); not part of the cache key. */
  itemId?: string;
  /** GEMINI_IMAGE_SIZE when unset. */
  imageSize?: ImageSize;
  /** Characters and pictures to keep consistent; their content is part of the cache key. */
  references?: ReferenceRequest;
}

/** A scene request's key material, but the model (which is read when the key is made). */
type SceneParts = Omit<SceneKeyParts, 'model'>;

/** A picture made elsewhere (an import, an old backend's cache) becoming a cache entry. */
export interface ImportedScene {
  description: string;
  style?: string | null;
  aspectRatio?: AspectRatio;
  image: ImageEntity;
  createdAt?: Date;
  expiresAt?: Date;
  hitCount?: number;
  lastHitAt?: Date | null;
}

export interface SceneResult {
  cached: boolean;
  cacheKey: string;
  expiresAt: Date;
  hitCount: number;
  image: ImageEntity;
}

export interface SceneCacheStats extends SceneCacheTotals {
  expiredEntries: number;
  hitRate: number;
  expiryDays: number;
}

const DAY_MS = 86_400_000;

/**
 * Scenes: a description becomes art once per CACHE_EXPIRY_DAYS. A request reads key → cache
 * (memory, then the database) → flight (one generation per key, across replicas) → store.
 * A failure reaches every waiter and stores nothing.
 */
@Injectable()
export class ScenesService {
  private readonly logger = new Logger(ScenesService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repository: ScenesRepository,
    private readonly images: ImagesService,
    private readonly generation: GenerationService,
    private readonly hot: HotSceneCache,
    private readonly hits: SceneHitCounter,
    private readonly flights: SceneFlights,
    private readonly replicaEvents: ReplicaEvents,
  ) {}

  /**
   * The cached answer when the description was drawn before and the entry is fresh (a hit);
   * else undefined, after the refusals a request gets at once (its references, its size).
   */
  async lookup(command: SceneCommand): Promise<{ cacheKey: string; hit?: SceneResult }> {
    const { cacheKey } = await this.keyedRequest(command);
    return { cacheKey, hit: command.forceRegenerate ? undefined : await this.findHit(cacheKey) };
  }

  /** A request that waited for another's generation of the same scene in this process: a miss, and a join. */
  countJoinedMiss(): void {
    this.hits.miss(true);
  }

  async generate(command: SceneCommand, job?: JobRun): Promise<SceneResult> {
    const { references, parts, cacheKey } = await this.keyedRequest(command);
    if (!command.forceRegenerate) {
      const hit = await this.findHit(cacheKey);
      if (hit) return hit;
    }
    const { result, joined } = await this.flights.run(cacheKey, {
      generate: () => this.generateEntry(parts, command, references, job),
      findStored: () => this.storedResult(cacheKey),
      checkFirst: !command.forceRegenerate,
    });
    this.hits.miss(joined);
    return result;
  }

  private async keyedRequest(command: SceneCommand): Promise<{ references: ResolvedReferences; parts: SceneParts; cacheKey: string }> {
    const references = await this.images.resolveReferences(command.references ?? {});
    const parts: SceneParts = {
      description: command.description,
      style: command.style ?? null,
      aspectRatio: command.aspectRatio ?? DEFAULT_ASPECT_RATIO,
      imageSize: this.images.imageSizeFor(command.imageSize),
      references: references.contentHashes,
    };
    return { references, parts, cacheKey: this.keyOf(parts) };
  }

  async stats(): Promise<SceneCacheStats> {
    await this.hits.flush();
    const totals = await this.repository.totals(this.clock.now());
    const answered = totals.hits + totals.misses;
    return {
      ...totals,
      expiredEntries: totals.entries - totals.activeEntries,
      hitRate: answered === 0 ? 0 : totals.hits / answered,
      expiryDays: this.config.cache.expiryDays,
    };
  }

  async clear(): Promise<number> {
    this.forgetEverything();
    // Requests served while the delete was queued read pre-clear entries: forget what they
    // remembered and counted. This runs inside the write lock, before any write queued behind
    // the clear (an entry's save, or a flush of hits taken meanwhile, which the reset voids).
    const cleared = await this.repository.clear(() => this.forgetEverything());
    this.replicaEvents.publish('scene-cache-cleared', {});
    return cleared;
  }

  /** Removes the entries whose images belong to one item (a location); the counters stay. */
  async clearForItem(itemId: string): Promise<number> {
    const cleared = await this.repository.deleteForItem(itemId);
    // Which hot entries those were is not known here: all are read again (they are only a copy).
    this.hot.forgetAll();
    this.replicaEvents.publish('scene-cache-cleared', { itemId });
    return cleared;
  }
  /**
   * Makes an imported picture the cached art of a description, under the key a request with
   * that aspect ratio (default 1:1) and today's model would use. A fresh entry is never
   * replaced, nor the same picture's entry. The entry's history (made, last hit, hits, expiry) is kept when known. Answers
   * whether an entry was made.
   */
  async importScene(scene: ImportedScene): Promise<boolean> {
    const aspectRatio = scene.aspectRatio ?? DEFAULT_ASPECT_RATIO;
    const style = scene.style ?? null;
    const cacheKey = this.keyOf({ description: scene.description, style, aspectRatio, imageSize: this.config.generation.imageSize, references: [] });
    // A fresh entry stays; so does the same picture's entry, expired or not (an import run again).
    const existing = await this.repository.findByKey(cacheKey);
    if (existing && (existing.expiresAt > this.clock.now() || existing.imageId === scene.image.id)) return false;
    const entry = this.newEntry(cacheKey, scene.description, style, aspectRatio, scene.image);
    Object.assign(entry, {
      createdAt: scene.createdAt ?? entry.createdAt,
      expiresAt: scene.expiresAt ?? entry.expiresAt,
      hitCount: scene.hitCount ?? 0,
      lastHitAt: scene.lastHitAt ?? null,
    });
    await this.repository.saveEntry(entry, { countMiss: false });
    return true;
  }

  /**
   * Deletes expired entries; answers how many, and the images no remaining entry uses (for
   * the caller to purge: they were only the cache's).
   */
  async deleteExpired(): Promise<{ deletedEntries: number; unusedImageIds: string[] }> {
    const { deletedEntries, imageIds } = await this.repository.deleteExpired(this.clock.now());
    return { deletedEntries, unusedImageIds: await this.repository.unreferencedImages(imageIds) };
  }

  /** Writes the buffered hit counts (before a backup reads the database, say). */
  flushHits(): Promise<void> {
    return this.hits.flush();
  }

  /** Memory and buffered counts of the cache let go of everything (the counters were reset). */
  private forgetEverything(): void {
    this.hot.forgetAll();
    this.hits.reset();
  }

  /** A fresh entry whose image still exists, answered as a hit: from memory when hot, else from the database. */
  private async findHit(cacheKey: string): Promise<SceneResult | undefined> {
    const now = this.clock.now();
    const counted = this.hits.snapshot();
    const scene = this.hot.get(cacheKey, now) ?? (await this.readHot(cacheKey, now));
    if (!scene) return undefined;
    const hitCount = this.hits.hit(cacheKey, now, counted, scene.hitCount);
    return { cached: true, cacheKey, expiresAt: scene.expiresAt, hitCount, image: scene.image };
  }

  private async readHot(cacheKey: string, now: Date): Promise<HotScene | undefined> {
    const snapshot = this.hot.snapshot();
    const entry = await this.repository.findFresh(cacheKey, now);
    if (!entry?.image || entry.image.deletedAt) return undefined;
    return this.hot.remember(snapshot, { cacheKey, expiresAt: entry.expiresAt, hitCount: entry.hitCount, image: entry.image }, now);
  }

  /** What another replica's flight stored for the key, answered like the generation it was. */
  private async storedResult(cacheKey: string): Promise<SceneResult | undefined> {
    const entry = await this.repository.findFresh(cacheKey, this.clock.now());
    if (!entry?.image || entry.image.deletedAt) return undefined;
    return { cached: false, cacheKey, expiresAt: entry.expiresAt, hitCount: entry.hitCount, image: entry.image };
  }

  private newEntry(cacheKey: string, description: string, style: string | null, aspectRatio: AspectRatio, image: ImageEntity): SceneCacheEntry {
    const now = this.clock.now();
    return Object.assign(new SceneCacheEntry(), {
      cacheKey,
      description: normalizeSceneText(description),
      style,
      aspectRatio,
      model: this.modelKey,
      imageId: image.id,
      hitCount: 0,
      lastHitAt: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.cache.expiryDays * DAY_MS),
    } satisfies Omit<SceneCacheEntry, 'image'>);
  }

  /** Part of every key: a new model must never be answered with the old model's art. */
  private get modelKey(): string {
    return this.generation.model ?? this.generation.source;
  }

  private keyOf(parts: SceneParts): string {
    return sceneCacheKey({ ...parts, model: this.modelKey });
  }

  private async generateEntry(parts: SceneParts, command: SceneCommand, references: ResolvedReferences, job?: JobRun): Promise<SceneResult> {
    const snapshot = this.hot.snapshot();
    const { description, style, aspectRatio, imageSize } = parts;
    const image = await this.images.generate(
      {
        prompt: description,
        style: command.style,
        itemId: command.itemId,
        itemType: 'scene',
        aspectRatio,
        imageSize,
        references,
        providerPrompt: scenePrompt(description, style),
      },
      job,
    );
    await this.hits.flush(); // the old entry's hits belong to it, not to its replacement
    const now = this.clock.now();
    // Made now: a model that was found retired during the call gave way to the next one.
    const cacheKey = this.keyOf(parts);
    const entry = this.newEntry(cacheKey, description, style, aspectRatio, image);
    try {
      await this.repository.saveEntry(entry, { countMiss: true });
    } catch (error) {
      // A scene image without its entry would be a paid picture nobody asked for by itself.
      await this.images.purge([image.id], { keepFeatured: false }).catch((purgeError: unknown) =>
        this.logger.error(`Could not purge image ${image.id} of a failed scene: ${String(purgeError)}`),
      );
      throw error;
    }
    this.hot.remember(snapshot, { cacheKey, expiresAt: entry.expiresAt, hitCount: 0, image }, now);
    return { cached: false, cacheKey, expiresAt: entry.expiresAt, hitCount: 0, image };
  }
}

/** Frames a game master's description as a scene for the model. */
export function scenePrompt(description: string, style: string | null): string {
  const framed = `A wide establishing shot of a fantasy tabletop role-playing scene: ${description}`;
  return style ? `${framed}. Style: ${style}` : framed;
}
