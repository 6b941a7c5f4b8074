import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { Clock } from '../common/clock.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationService } from '../generation/generation.service.js';
import type { ImageSize } from '../generation/gemini-models.js';
import { type AspectRatio, DEFAULT_ASPECT_RATIO } from '../generation/image-provider.js';
import type { ReferenceRequest, ResolvedReferences } from '../images/image-references.js';
import type { ImageEntity } from '../images/image.entity.js';
import { ImagesService } from '../images/images.service.js';
import { HotScenes, type HotScene } from './hot-scenes.js';
import { SceneCacheEntry } from './scene-cache-entry.entity.js';
import { SceneHitBuffer } from './scene-hit-buffer.js';
import { normalizeSceneText, sceneCacheKey, type SceneKeyParts } from './scene-key.js';
import { ReplicaEvents } from '../redis/replica-events.js';
import { type FlightOutcome, ReplicaFlights } from './replica-flights.js';
import { ScenesRepository, type SceneCacheTotals } from './scenes.repository.js';
import { SingleFlight } from '../common/single-flight.js';

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
/** How often buffered hit counts are written. */
const HIT_FLUSH_INTERVAL_MS = 1000;
/** How long a hot entry is trusted before the database is asked again. */
const HOT_SCENE_TTL_MS = 60_000;
const HOT_SCENE_LIMIT = 1000;

/**
 * Scenes: a description becomes art once per CACHE_EXPIRY_DAYS. Identical requests in
 * flight share one provider call; a failure reaches every waiter and stores nothing.
 */
@Injectable()
export class ScenesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ScenesService.name);
  private readonly generations = new SingleFlight<FlightOutcome<SceneResult>>();
  private readonly hot = new HotScenes(HOT_SCENE_LIMIT);
  private readonly hits = new SceneHitBuffer();
  private flushTimer?: NodeJS.Timeout;
  /**
   * Bumped by clear (before and after its delete): a request that straddles a clear must not
   * count against the fresh counters. `hotEpoch` is also bumped when an image changes: a
   * request that read the database before must not put what it read into memory.
   */
  private cacheEpoch = 0;
  private hotEpoch = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repository: ScenesRepository,
    private readonly images: ImagesService,
    private readonly generation: GenerationService,
    private readonly replicas: ReplicaFlights,
    private readonly replicaEvents: ReplicaEvents,
    @InjectMetric(METRICS.sceneCacheRequests) private readonly requests: Counter<'result'>,
    @InjectMetric(METRICS.sceneSingleFlightJoins) private readonly joins: Counter,
  ) {}

  onModuleInit(): void {
    this.images.onImagesChanged((ids) => {
      this.hotEpoch++;
      this.hot.forgetImages(ids);
    });
    this.replicaEvents.on('scene-cache-cleared', ({ itemId }) => {
      if (itemId !== undefined) return this.forgetHot();
      this.forgetEverything();
      this.hits.take(); // counted before the clear: the counters were reset
    });
    this.flushTimer = setInterval(() => void this.flushHits(), HIT_FLUSH_INTERVAL_MS).unref();
  }

  /** Before the database closes: the last buffered hits are written. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushHits();
  }

  async generate(command: SceneCommand): Promise<SceneResult> {
    const references = await this.images.resolveReferences(command.references ?? {});
    const parts: SceneParts = {
      description: command.description,
      style: command.style ?? null,
      aspectRatio: command.aspectRatio ?? DEFAULT_ASPECT_RATIO,
      imageSize: command.imageSize ?? this.config.generation.imageSize,
      references: references.contentHashes,
    };
    const cacheKey = this.keyOf(parts);

    if (!command.forceRegenerate) {
      const now = this.clock.now();
      const epoch = this.cacheEpoch;
      const scene = await this.findHit(cacheKey, now);
      if (scene) {
        if (epoch === this.cacheEpoch) this.hits.add(cacheKey, now);
        this.requests.inc({ result: 'hit' });
        const hitCount = scene.hitCount + this.hits.pendingFor(cacheKey);
        return { cached: true, cacheKey, expiresAt: scene.expiresAt, hitCount, image: scene.image };
      }
    }

    // One flight per key in this process, and one across replicas.
    const flight = this.generations.run(cacheKey, () =>
      this.replicas.run(cacheKey, {
        generate: () => this.generateEntry(parts, command, references),
        findStored: () => this.storedResult(cacheKey),
        checkFirst: !command.forceRegenerate,
      }),
    );
    const { result, joined: joinedAnotherReplica } = await flight.result;
    if (flight.joined || joinedAnotherReplica) {
      this.joins.inc();
      this.hits.addMiss();
    }
    this.requests.inc({ result: 'miss' });
    return result;
  }

  async stats(): Promise<SceneCacheStats> {
    await this.flushHits();
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
    this.hits.take(); // the counters are reset anyway
    // Requests served while the delete was queued read pre-clear entries: forget what they
    // remembered and counted. This runs inside the write lock, before any write queued behind
    // the clear (an entry's save, or a flush of hits taken meanwhile, which the epoch voids).
    const cleared = await this.repository.clear(() => {
      this.forgetEverything();
      this.hits.take();
    });
    this.replicaEvents.publish('scene-cache-cleared', {});
    return cleared;
  }

  /** Removes the entries whose images belong to one item (a location); the counters stay. */
  async clearForItem(itemId: string): Promise<number> {
    const cleared = await this.repository.deleteForItem(itemId);
    // Which hot entries those were is not known here: all are read again (they are only a copy).
    this.forgetHot();
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

  /** Writes the buffered counts. Hits count as persisted at once, so no answer's hitCount dips meanwhile. */
  async flushHits(): Promise<void> {
    if (this.hits.isEmpty) return;
    const counts = this.hits.take();
    const epoch = this.cacheEpoch;
    for (const [cacheKey, { count: hits }] of counts.hits) this.hot.addPersistedHits(cacheKey, hits);
    try {
      // Counted against entries and counters a clear has since reset: dropped, not written.
      await this.repository.recordCounts(counts, () => epoch === this.cacheEpoch);
    } catch (error) {
      for (const [cacheKey, { count: hits }] of counts.hits) this.hot.addPersistedHits(cacheKey, -hits);
      if (epoch === this.cacheEpoch) this.hits.restore(counts);
      this.logger.error(`Could not record scene hits, will retry: ${String(error)}`);
    }
  }

  private forgetEverything(): void {
    this.cacheEpoch++;
    this.forgetHot();
  }

  private forgetHot(): void {
    this.hotEpoch++;
    this.hot.clear();
  }

  /** A fresh entry whose image still exists: from memory when hot, else from the database. */
  private async findHit(cacheKey: string, now: Date): Promise<HotScene | undefined> {
    const hot = this.hot.get(cacheKey, now);
    if (hot) return hot;
    const epoch = this.hotEpoch;
    const entry = await this.repository.findFresh(cacheKey, now);
    if (!entry?.image || entry.image.deletedAt) return undefined;
    return this.remember(epoch, { cacheKey, expiresAt: entry.expiresAt, hitCount: entry.hitCount, image: entry.image }, now);
  }

  /** What another replica's flight stored for the key, answered like the generation it was. */
  private async storedResult(cacheKey: string): Promise<SceneResult | undefined> {
    const entry = await this.repository.findFresh(cacheKey, this.clock.now());
    if (!entry?.image || entry.image.deletedAt) return undefined;
    return { cached: false, cacheKey, expiresAt: entry.expiresAt, hitCount: entry.hitCount, image: entry.image };
  }

  /** Keeps a scene in memory unless a clear or an image change happened since it was read. */
  private remember(epoch: number, scene: Omit<HotScene, 'revalidateAt'>, now: Date): HotScene {
    const hot = { ...scene, revalidateAt: now.getTime() + HOT_SCENE_TTL_MS };
    if (epoch === this.hotEpoch) this.hot.set(hot);
    return hot;
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

  private async generateEntry(parts: SceneParts, command: SceneCommand, references: ResolvedReferences): Promise<SceneResult> {
    const epoch = this.hotEpoch;
    const { description, style, aspectRatio, imageSize } = parts;
    const image = await this.images.generate({
      prompt: description,
      style: command.style,
      itemId: command.itemId,
      itemType: 'scene',
      aspectRatio,
      imageSize,
      references,
      providerPrompt: scenePrompt(description, style),
    });
    await this.flushHits(); // the old entry's hits belong to it, not to its replacement
    const now = this.clock.now();
    // Made now: a model that was found retired during the call gave way to the next one.
    const cacheKey = this.keyOf(parts);
    const entry = this.newEntry(cacheKey, description, style, aspectRatio, image);
    try {
      await this.repository.saveEntry(entry, { countMiss: true });
    } catch (error) {
      // A scene image without its entry would be a paid picture nobody asked for by itself.
      await this.images.discard(image.id).catch((discardError: unknown) =>
        this.logger.error(`Could not discard image ${image.id} of a failed scene: ${String(discardError)}`),
      );
      throw error;
    }
    this.remember(epoch, { cacheKey, expiresAt: entry.expiresAt, hitCount: 0, image }, now);
    return { cached: false, cacheKey, expiresAt: entry.expiresAt, hitCount: 0, image };
  }
}

/** Frames a game master's description as a scene for the model. */
export function scenePrompt(description: string, style: string | null): string {
  const framed = `A wide establishing shot of a fantasy tabletop role-playing scene: ${description}`;
  return style ? `${framed}. Style: ${style}` : framed;
}
