import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ServiceStart } from '../common/service-start.js';
import { GenerationJobs } from '../jobs/generation-jobs.service.js';
import { AppConfig } from '../config/app-config.js';
import type { DatabaseDriver } from '../config/database-url.js';
import { DatabaseDialect } from '../database/database-dialect.js';
import { BackupService } from './backup/backup.service.js';
import { ImagesService } from '../images/images.service.js';
import { type SceneCacheStats, ScenesService } from '../scenes/scenes.service.js';
import { ImageStore, type StoredObject } from '../storage/image-store.js';
import { IMAGE_VARIANTS, type ImageVariant } from '../storage/storage-paths.js';

export interface ExpiredCacheCleanup {
  deletedEntries: number;
  deletedImages: number;
  freedBytes: number;
  deletedJobs: number;
}

export interface OrphanCleanup {
  dryRun: boolean;
  /** Soft-deleted images purged (rows and files) after IMAGE_PURGE_AFTER_DAYS. */
  deletedImages: number;
  /** Files with no row, and stale temp files. */
  deletedFiles: number;
  freedBytes: number;
  /** Active images whose files are gone: reported, never dropped silently. */
  missingFiles: Array<{ imageId: string; variant: ImageVariant }>;
}

export interface MaintenanceStats {
  images: { total: number; active: number; deleted: number; featured: number };
  cache: SceneCacheStats;
  storage: { files: number; fullBytes: number; thumbnailBytes: number };
  database: { driver: DatabaseDriver; sizeBytes: number };
  backups: { count: number; latestAt: Date | null; latestBytes: number | null };
  uptimeSeconds: number;
}

const DAY_MS = 86_400_000;
/** Files younger than this are never touched: they may belong to a write in flight. */
export const IN_FLIGHT_GRACE_MS = 3_600_000;

/** Keeps the store tidy: expired scene entries, purged deletions, orphan and temp files. */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly images: ImagesService,
    private readonly scenes: ScenesService,
    private readonly jobs: GenerationJobs,
    private readonly store: ImageStore,
    private readonly backups: BackupService,
    private readonly database: DatabaseDialect,
    private readonly start: ServiceStart,
  ) {}

  /**
   * Removes expired scene entries and the images only they used (featured ones are kept), and
   * the records of jobs finished more than JOB_RETENTION_DAYS ago.
   */
  async cleanupExpiredCache(): Promise<ExpiredCacheCleanup> {
    const { deletedEntries, unusedImageIds } = await this.scenes.deleteExpired();
    const { deletedImages, freedBytes } = await this.images.purge(unusedImageIds, { keepFeatured: true });
    const deletedJobs = await this.jobs.deleteFinishedBefore(new Date(this.clock.now().getTime() - this.config.jobs.retentionDays * DAY_MS));
    return { deletedEntries, deletedImages, freedBytes, deletedJobs };
  }

  async cleanupOrphans(options: { dryRun: boolean }): Promise<OrphanCleanup> {
    const now = this.clock.now().getTime();
    const purgeable = await this.images.deletedBefore(new Date(now - this.config.maintenance.purgeAfterDays * DAY_MS));
    const { known: knownIds, active: activeIds } = await this.images.idsForFileCheck();
    // Listed a page at a time (a bucket answers 1,000 keys per call); only strays and names are kept.
    const settled = (object: StoredObject) => object.modifiedAt.getTime() <= now - IN_FLIGHT_GRACE_MS;
    const strays: StoredObject[] = [];
    const present = new Set<string>();
    for await (const page of this.store.list()) {
      for (const object of page) {
        if (object.imageId !== null && !object.partial) present.add(`${object.variant}/${object.imageId}`);
        if (settled(object) && (object.partial || (object.imageId !== null && !knownIds.has(object.imageId)))) strays.push(object);
      }
    }
    const missingFiles = activeIds.flatMap((imageId) =>
      IMAGE_VARIANTS
        .filter((variant) => !present.has(`${variant}/${imageId}`))
        .map((variant) => ({ imageId, variant })),
    );

    const strayBytes = strays.reduce((sum, file) => sum + file.sizeBytes, 0);
    if (options.dryRun) {
      const purgeBytes = purgeable.reduce((sum, image) => sum + image.sizeBytes + image.thumbnailSizeBytes, 0);
      return { dryRun: true, deletedImages: purgeable.length, deletedFiles: strays.length, freedBytes: purgeBytes + strayBytes, missingFiles };
    }
    const purged = await this.images.purge(purgeable.map((image) => image.id), { keepFeatured: false });
    await Promise.all(strays.map((object) => this.store.removeListed(object)));
    return { dryRun: false, deletedImages: purged.deletedImages, deletedFiles: strays.length, freedBytes: purged.freedBytes + strayBytes, missingFiles };
  }

  async stats(): Promise<MaintenanceStats> {
    const [images, cache, storage, databaseBytes, backups] = await Promise.all([
      this.images.counts(),
      this.scenes.stats(),
      this.images.storageTotals(),
      this.database.sizeBytes(),
      this.backups.list(),
    ]);
    const [latest] = backups;
    return {
      images,
      cache,
      storage,
      database: { driver: this.database.driver, sizeBytes: databaseBytes },
      backups: { count: backups.length, latestAt: latest?.createdAt ?? null, latestBytes: latest?.sizeBytes ?? null },
      uptimeSeconds: Math.round(this.start.uptimeMs() / 1000),
    };
  }
}
