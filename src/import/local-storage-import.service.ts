import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError, InvalidImageError } from '../common/errors.js';
import { SerialQueue } from '../common/serial-queue.js';
import { CONTROL_CHARACTER } from '../common/text.js';
import { AppConfig } from '../config/app-config.js';
import { IMAGE_FIELD_LIMITS } from '../images/image.entity.js';
import { ImagesService } from '../images/images.service.js';
import { ScenesService } from '../scenes/scenes.service.js';
import { IMPORTED_INPUT_LIMITS, ImageProcessor } from '../storage/image-processor.js';
import { decodePicture } from './encoded-picture.js';
import type { FoundImage, FoundScene, ScanResult } from './found-pictures.js';
import { findPictures, type ImportBody } from './import-body.js';

export interface ImportReport {
  dryRun: boolean;
  imported: { images: number; scenes: number };
  skipped: { duplicates: number };
  failed: Array<{ ref: string; reason: string }>;
  /** Items now above MAX_IMAGES_PER_ITEM: imports are never evicted, so they are reported. */
  overLimit: Array<{ itemId: string; count: number; max: number }>;
  /** Bytes of the pictures imported (as decoded from the dump). */
  importedBytes: number;
}

type Entry = { kind: 'image'; found: FoundImage } | { kind: 'scene'; found: FoundScene };

/**
 * One-click migration of the browser app's LocalStorage: every picture goes through the
 * same pipeline as generated ones (source `import`), each entry succeeds or fails alone, and
 * the sha256 of the decoded input makes a second run import nothing twice.
 */
@Injectable()
export class LocalStorageImportService {
  private readonly logger = new Logger(LocalStorageImportService.name);
  /** Imports run one at a time, so two runs of the same dump cannot both pass the duplicate check. */
  private readonly queue = new SerialQueue();

  constructor(
    private readonly config: AppConfig,
    private readonly images: ImagesService,
    private readonly scenes: ScenesService,
    private readonly processor: ImageProcessor,
  ) {}

  /** Any accepted form of the import body. */
  importBody(body: ImportBody, options: { dryRun: boolean }): Promise<ImportReport> {
    const scan = findPictures(body);
    return this.queue.run(() => this.importNow(scan, options));
  }

  private async importNow(scan: ScanResult, { dryRun }: { dryRun: boolean }): Promise<ImportReport> {
    const report: ImportReport = { dryRun, imported: { images: 0, scenes: 0 }, skipped: { duplicates: 0 }, failed: [...scan.failed], overLimit: [], importedBytes: 0 };
    const entries: Entry[] = [
      ...scan.images.map((found) => ({ kind: 'image' as const, found })),
      ...scan.scenes.map((found) => ({ kind: 'scene' as const, found })),
    ];
    const done = new Set<string>(); // hashes imported by this run (a dry run's "would import")
    const touchedItems = new Set<string>();
    // One entry at a time: decoded (once), checked and stored before the next is decoded.
    for (const entry of entries) {
      const problem = fieldProblem(entry);
      if (problem) {
        report.failed.push({ ref: entry.found.ref, reason: problem });
        continue;
      }
      const data = decodePicture(entry.found);
      const hash = createHash('sha256').update(data).digest('hex');
      if (done.has(hash) || (await this.images.importedSourceHashes([hash])).has(hash)) {
        report.skipped.duplicates++;
        continue;
      }
      try {
        const kind = dryRun ? await this.check(entry, data) : await this.store(entry, data, hash);
        done.add(hash); // only now: a copy of a picture that failed may still succeed
        report.imported[kind === 'image' ? 'images' : 'scenes']++;
        report.importedBytes += data.length;
        if (entry.kind === 'image' && entry.found.itemId) touchedItems.add(entry.found.itemId);
      } catch (error) {
        report.failed.push({ ref: entry.found.ref, reason: reasonOf(error) });
        if (!(error instanceof DomainError)) this.logger.error(`Import of ${entry.found.ref} failed: ${String(error)}`);
      }
    }
    if (!dryRun) report.overLimit = await this.itemsOverLimit(touchedItems);
    return report;
  }

  /** A dry run decodes the picture as the import would, and writes nothing. */
  private async check(entry: Entry, data: Buffer): Promise<Entry['kind']> {
    await this.processor.process(data, { webpQuality: this.config.storage.webpQuality, thumbnail: this.config.storage.thumbnail, limits: IMPORTED_INPUT_LIMITS });
    return entry.kind;
  }

  /** Answers what the entry became: a scene, or an image (a scene whose description already has fresh art). */
  private async store(entry: Entry, data: Buffer, sourceHash: string): Promise<Entry['kind']> {
    const { found } = entry;
    const common = { source: 'import' as const, model: null, aspectRatio: null, createdAt: dateOf(found.createdAt), sourceHash, style: found.style ?? null, component: found.component ?? null };
    if (entry.kind === 'image') {
      const { prompt, customPrompt, itemId, itemType, featured } = entry.found;
      const metadata = { ...common, prompt: prompt ?? '', customPrompt: customPrompt ?? null, itemId: itemId ?? null, itemType: itemType ?? null, featured };
      await this.images.store(data, metadata, { enforceItemLimit: false });
      return 'image';
    }
    const { description, prompt, itemId, aspectRatio, hitCount, lastHitAt } = entry.found;
    const image = await this.images.store(data, { ...common, prompt: prompt ?? description, itemId: itemId ?? null, itemType: 'scene' }, { enforceItemLimit: false });
    try {
      // Kept in the gallery either way: the picture is the game master's, even when the
      // description already has fresh art in the cache.
      const made = await this.scenes.importScene({ description, style: found.style, aspectRatio, image, createdAt: common.createdAt, hitCount, lastHitAt: dateOf(lastHitAt) });
      return made ? 'scene' : 'image';
    } catch (error) {
      await this.images.purge([image.id], { keepFeatured: false }); // the entry failed: nothing of it stays
      throw error;
    }
  }

  private async itemsOverLimit(itemIds: Set<string>): Promise<ImportReport['overLimit']> {
    const max = this.config.images.maxPerItem;
    const counts = await Promise.all([...itemIds].map(async (itemId) => ({ itemId, count: await this.images.countForItem(itemId), max })));
    return counts.filter(({ count }) => count > max);
  }
}

/** The limits the generate route enforces, so imported rows fit every database. */
function fieldProblem(entry: Entry): string | null {
  const fields = entry.found as unknown as Record<string, unknown>;
  for (const [name, max] of Object.entries(IMAGE_FIELD_LIMITS)) {
    const value = fields[name];
    if (typeof value === 'string' && value.length > max) return `${name} is longer than ${max} characters`;
  }
  for (const name of ['prompt', 'customPrompt', 'description', ...Object.keys(IMAGE_FIELD_LIMITS)]) {
    const value = fields[name];
    if (typeof value === 'string' && CONTROL_CHARACTER.test(value)) return `${name} contains control characters`;
  }
  return null;
}

/** Found dates are ISO 8601 already. */
function dateOf(iso: string | undefined): Date | undefined {
  return iso === undefined ? undefined : new Date(iso);
}

function reasonOf(error: unknown): string {
  if (error instanceof InvalidImageError || error instanceof DomainError) return error.message;
  return 'the image could not be stored (an internal error, logged on the server)';
}
