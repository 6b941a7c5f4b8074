import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { recordUses } from '../database/record-uses.js';
import { WriteLock } from '../database/write-lock.js';
import { SceneCacheCounters, SceneCacheEntry } from './scene-cache-entry.entity.js';
import type { PendingCounts } from './scene-hit-buffer.js';

export interface SceneCacheTotals {
  entries: number;
  activeEntries: number;
  hits: number;
  misses: number;
  totalBytes: number;
  oldestEntryAt: Date | null;
  newestEntryAt: Date | null;
}

const HIT_COLUMNS = { key: 'cacheKey', countColumn: 'hit_count', countProperty: 'hitCount', lastAtProperty: 'lastHitAt' };

/** Thin adapter around the scene cache tables. Every write runs under the in-process WriteLock. */
@Injectable()
export class ScenesRepository {
  constructor(
    @InjectRepository(SceneCacheEntry) private readonly entries: Repository<SceneCacheEntry>,
    private readonly writeLock: WriteLock,
  ) {}

  /** The unexpired entry for a key whose image still exists (a deleted image is a miss). */
  findFresh(cacheKey: string, now: Date): Promise<SceneCacheEntry | null> {
    return this.entries.findOne({ where: { cacheKey, expiresAt: MoreThan(now) }, relations: { image: true } });
  }

  /** The entry for a key, expired or not. */
  findByKey(cacheKey: string): Promise<SceneCacheEntry | null> {
    return this.entries.findOneBy({ cacheKey });
  }

  /**
   * Adds buffered hits to their entries, and hits and misses to the cache's counters, in one
   * transaction, unless `stillValid()` says no when the write's turn comes (a clear ran first).
   */
  recordCounts(counts: PendingCounts, stillValid: () => boolean): Promise<void> {
    let totalHits = 0;
    for (const { count } of counts.hits.values()) totalHits += count;
    return this.writeLock.run(async () => {
      if (!stillValid()) return;
      await this.entries.manager.transaction(async (manager) => {
        await recordUses(manager, SceneCacheEntry, HIT_COLUMNS, counts.hits);
        await manager.increment(SceneCacheCounters, { id: 1 }, 'hits', totalHits);
        await manager.increment(SceneCacheCounters, { id: 1 }, 'misses', counts.misses);
      });
    });
  }

  /** Stores (or replaces) the entry for its key; a generated one also counts a miss on the cache. */
  saveEntry(entry: SceneCacheEntry, options: { countMiss: boolean }): Promise<void> {
    return this.writeLock.run(() =>
      this.entries.manager.transaction(async (manager) => {
        await manager.upsert(SceneCacheEntry, entry, ['cacheKey']);
        if (options.countMiss) await manager.increment(SceneCacheCounters, { id: 1 }, 'misses', 1);
      }),
    );
  }

  /** Deletes entries expired at `now` and answers the images they pointed at. */
  deleteExpired(now: Date): Promise<{ deletedEntries: number; imageIds: string[] }> {
    return this.writeLock.run(() =>
      this.entries.manager.transaction(async (manager) => {
        const expired = await manager.find(SceneCacheEntry, { where: { expiresAt: LessThanOrEqual(now) }, select: { cacheKey: true, imageId: true } });
        if (expired.length > 0) await manager.delete(SceneCacheEntry, expired.map((entry) => entry.cacheKey));
        return { deletedEntries: expired.length, imageIds: expired.map((entry) => entry.imageId) };
      }),
    );
  }

  /** Deletes the entries whose images belong to `itemId`; answers how many. */
  deleteForItem(itemId: string): Promise<number> {
    return this.writeLock.run(async () => {
      const { affected } = await this.entries
        .createQueryBuilder()
        .delete()
        .from(SceneCacheEntry)
        .where(`"image_id" IN (SELECT "id" FROM "images" WHERE "item_id" = :itemId)`, { itemId })
        .execute();
      return affected ?? 0;
    });
  }

  /** Of these images, those no remaining entry points at. */
  async unreferencedImages(imageIds: string[]): Promise<string[]> {
    if (imageIds.length === 0) return [];
    const used = await this.entries.find({ where: { imageId: In(imageIds) }, select: { imageId: true } });
    const usedIds = new Set(used.map((entry) => entry.imageId));
    return imageIds.filter((id) => !usedIds.has(id));
  }

  /**
   * Removes every entry and resets the counters; the images stay in the gallery. `onCleared`
   * runs right after the commit, before any write queued behind the clear.
   */
  clear(onCleared: () => void): Promise<number> {
    return this.writeLock.run(async () => {
      const cleared = await this.entries.manager.transaction(async (manager) => {
        const { affected } = await manager.createQueryBuilder().delete().from(SceneCacheEntry).execute();
        await manager.update(SceneCacheCounters, { id: 1 }, { hits: 0, misses: 0 });
        return affected ?? 0;
      });
      onCleared();
      return cleared;
    });
  }

  async totals(now: Date): Promise<SceneCacheTotals> {
    const row = await this.entries
      .createQueryBuilder('entry')
      .leftJoin('entry.image', 'image')
      .select('COUNT(*)', 'entries')
      .addSelect('COALESCE(SUM(CASE WHEN entry.expiresAt > :now THEN 1 ELSE 0 END), 0)', 'activeEntries')
      .addSelect('COALESCE(SUM(image.sizeBytes + image.thumbnailSizeBytes), 0)', 'totalBytes')
      .addSelect('MIN(entry.createdAt)', 'oldestEntryAt')
      .addSelect('MAX(entry.createdAt)', 'newestEntryAt')
      .setParameter('now', now)
      .getRawOne<Record<string, string | number | Date | null>>();
    const counters = await this.entries.manager.findOneByOrFail(SceneCacheCounters, { id: 1 });
    // Raw MIN/MAX: SQLite answers with the column's UTC text ("2026-01-01 00:00:00.000"), PostgreSQL with a Date.
    const date = (value: unknown) => (value instanceof Date ? value : value ? new Date(`${String(value).replace(' ', 'T')}Z`) : null);
    return {
      entries: Number(row?.entries ?? 0),
      activeEntries: Number(row?.activeEntries ?? 0),
      hits: counters.hits,
      misses: counters.misses,
      totalBytes: Number(row?.totalBytes ?? 0),
      oldestEntryAt: date(row?.oldestEntryAt),
      newestEntryAt: date(row?.newestEntryAt),
    };
  }
}
