import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { basename, isAbsolute, join } from 'node:path';
import { DomainError, messageOf } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';
import { ASPECT_RATIOS, type AspectRatio } from '../../generation/image-provider.js';
import type { ImageEntity } from '../../images/image.entity.js';
import { ImagesService } from '../../images/images.service.js';
import { LOCATION_SCENE_ASPECT_RATIO, locationSceneDescription } from '../../scenes/location-scene.js';
import { ScenesService } from '../../scenes/scenes.service.js';
import { FileStore } from '../../storage/file-store.js';
import { IMPORTED_INPUT_LIMITS, ImageProcessor } from '../../storage/image-processor.js';
import { type LegacyDatabase, type LegacyImageRow, type LegacySceneRow, parseLegacyTime } from './legacy-database.js';

/** Where an old backend's data is: its database (opened read-only) and the folder its file paths are relative to. */
export interface LegacySource {
  database: LegacyDatabase;
  /** The old backend's working folder (its paths are `images/full/<name>.webp`, relative to it). */
  folder: string;
}

export interface AdoptionReport {
  dryRun: boolean;
  images: {
    /** Rows in the old database, soft-deleted ones included. */
    total: number;
    adopted: number;
    /** Adopted by an earlier run (the same picture is here already). */
    alreadyAdopted: number;
    /** Adopted under another number, because theirs was taken here. */
    renumbered: Array<{ from: number; to: number }>;
    /** Rows that could not be adopted (a missing or unreadable file): listed, never fatal. */
    notAdopted: Array<{ id: number; reason: string }>;
  };
  scenes: {
    total: number;
    adopted: number;
    alreadyAdopted: number;
    notAdopted: Array<{ id: number; reason: string }>;
  };
}

const PROGRESS_EVERY = 50;

/** What an old image became: the stored image, or in a dry run only whether it was deleted. */
type AdoptedImage = ImageEntity | { deletedAt: Date | null };

/**
 * Brings an old FastAPI backend's data under this service: every image row (live and
 * soft-deleted, with its history) keeps its integer id for /api/v1, its file is checked and
 * stored in this service's layout (a thumbnail made again), and every scene entry becomes a
 * scene cache entry that the v1 scenes route hits. Idempotent: a picture adopted before (by
 * the sha256 of its file) is not adopted again, so a run stopped part way is finished by the
 * next one. The old tables and files are only read.
 */
@Injectable()
export class LegacyAdoption {
  private readonly logger = new Logger('Adoption');

  constructor(
    private readonly config: AppConfig,
    private readonly images: ImagesService,
    private readonly scenes: ScenesService,
    private readonly files: FileStore,
    private readonly processor: ImageProcessor,
  ) {}

  async adopt(source: LegacySource, { dryRun }: { dryRun: boolean }): Promise<AdoptionReport> {
    const rows = source.database.images();
    const sceneRows = source.database.scenes();
    const report: AdoptionReport = {
      dryRun,
      images: { total: rows.length, adopted: 0, alreadyAdopted: 0, renumbered: [], notAdopted: [] },
      scenes: { total: sceneRows.length, adopted: 0, alreadyAdopted: 0, notAdopted: [] },
    };
    /** Old id → the image it now is (for the scene entries). */
    const adopted = new Map<number, AdoptedImage>();
    for (const [index, row] of rows.entries()) {
      if (index > 0 && index % PROGRESS_EVERY === 0) this.logger.log(`Adopting the old backend's images: ${index} of ${rows.length}`);
      try {
        const image = await this.adoptImage(source, row, report, dryRun);
        if (image) adopted.set(row.id, image);
      } catch (error) {
        report.images.notAdopted.push({ id: row.id, reason: reasonOf(error) });
        if (!(error instanceof DomainError)) this.logger.error(`Image ${row.id} of the old backend could not be adopted: ${messageOf(error)}`);
      }
    }
    for (const row of sceneRows) await this.adoptScene(row, adopted.get(row.image_asset_id), report);
    return report;
  }

  private async adoptImage(source: LegacySource, row: LegacyImageRow, report: AdoptionReport, dryRun: boolean): Promise<AdoptedImage | undefined> {
    const data = await this.readFile(source, row);
    if (!data) {
      report.images.notAdopted.push({ id: row.id, reason: `its file ${row.storage_path_full} is missing` });
      return undefined;
    }
    const sourceHash = createHash('sha256').update(data).digest('hex');
    const before = (await this.images.importedFrom([sourceHash])).get(sourceHash);
    if (before) {
      report.images.alreadyAdopted++;
      return before;
    }
    const taken = (await this.images.takenNumbers([row.id])).has(row.id);
    if (dryRun) {
      await this.processor.process(data, { webpQuality: this.config.storage.webpQuality, thumbnail: this.config.storage.thumbnail, limits: IMPORTED_INPUT_LIMITS });
      report.images.adopted++;
      if (taken) report.images.renumbered.push({ from: row.id, to: 0 });
      return { deletedAt: parseLegacyTime(row.deleted_at) };
    }
    const image = await this.images.store(
      data,
      {
        source: 'import',
        prompt: row.prompt_used,
        customPrompt: row.custom_prompt,
        component: row.component,
        style: null,
        itemId: row.subject_name.slice(0, 200),
        itemType: row.subject_type.slice(0, 50),
        featured: Boolean(row.is_featured),
        model: row.model_used,
        aspectRatio: (ASPECT_RATIOS as string[]).includes(row.aspect_ratio) ? (row.aspect_ratio as AspectRatio) : null,
        generationMs: row.generation_time_ms,
        createdAt: parseLegacyTime(row.created_at) ?? undefined,
        useCount: row.use_count ?? 0,
        lastUsedAt: parseLegacyTime(row.last_used),
        deletedAt: parseLegacyTime(row.deleted_at),
        number: taken ? undefined : row.id,
        sourceHash,
      },
      { enforceItemLimit: false },
    );
    report.images.adopted++;
    if (taken) report.images.renumbered.push({ from: row.id, to: image.number });
    return image;
  }

  private async adoptScene(row: LegacySceneRow, image: AdoptedImage | undefined, report: AdoptionReport): Promise<void> {
    if (!image) {
      report.scenes.notAdopted.push({ id: row.id, reason: `its image ${row.image_asset_id} was not adopted` });
      return;
    }
    if (image.deletedAt) {
      report.scenes.notAdopted.push({ id: row.id, reason: `its image ${row.image_asset_id} was deleted` });
      return;
    }
    if (!('id' in image)) {
      report.scenes.adopted++; // a dry run: the picture was checked, nothing stored
      return;
    }
    const made = await this.scenes.importScene({
      description: locationSceneDescription({ location: row.location, timeOfDay: row.time_of_day, weather: row.weather }),
      aspectRatio: LOCATION_SCENE_ASPECT_RATIO,
      image,
      createdAt: parseLegacyTime(row.created_at) ?? undefined,
      expiresAt: parseLegacyTime(row.expires_at) ?? undefined,
      hitCount: row.use_count ?? 0,
      lastHitAt: parseLegacyTime(row.last_used),
    });
    if (made) report.scenes.adopted++;
    else report.scenes.alreadyAdopted++;
  }

  /**
   * The row's full-size file: its path as stored (absolute, or relative to the old backend's
   * folder), else the same name under IMAGE_STORAGE_DIR/full (the two folders are usually one).
   */
  private async readFile(source: LegacySource, row: LegacyImageRow): Promise<Buffer | undefined> {
    const stored = row.storage_path_full;
    const candidates = isAbsolute(stored) ? [stored] : [join(source.folder, stored)];
    candidates.push(join(this.config.storage.dir, 'full', basename(stored)), join(source.folder, 'images', 'full', basename(stored)));
    for (const path of candidates) {
      try {
        return await this.files.read(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof DomainError ? error.message : 'the image could not be stored (an internal error, logged on the server)';
}
