import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError, InvalidImageError } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { ImagesService } from '../images/images.service.js';
import { ScenesService } from '../scenes/scenes.service.js';
import { ImageProcessor } from '../storage/image-processor.js';
import { parseImageDataUrl } from './data-url.js';
import { type FoundImage, type FoundScene, scanLocalStorage, type ScanResult } from './local-storage-scanner.js';

export interface StructuredImport {
  images?: unknown[];
  scenes?: unknown[];
}

export interface ImportReport {
  dryRun: boolean;
  imported: { images: number; scenes: number };
  skipped: { duplicates: number };
  failed: Array<{ ref: string; reason: string }>;
  /** Items now above MAX_IMAGES_PER_ITEM: imports are never evicted, so they are reported. */
  overLimit: Array<{ itemId: string; count: number; max: number }>;
}

type Entry = { kind: 'image'; found: FoundImage } | { kind: 'scene'; found: FoundScene };

/**
 * One-click migration of the browser app's LocalStorage: every picture goes through the
 * same pipeline as generated ones (source `import`), each entry succeeds or fails alone, and
 * the sha256 of the decoded input makes a second run import nothing twice.
 */
@Injectable()
export class MigrationService {
  private readonly logger = new Logger(MigrationService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly images: ImagesService,
    private readonly scenes: ScenesService,
    private readonly processor: ImageProcessor,
  ) {}

  async importStructured(body: StructuredImport, options: { dryRun: boolean }): Promise<ImportReport> {
    return this.import(readStructured(body), options);
  }

  async importLocalStorage(storage: Record<string, unknown>, options: { dryRun: boolean }): Promise<ImportReport> {
    return this.import(scanLocalStorage(storage), options);
  }

  private async import(scan: ScanResult, { dryRun }: { dryRun: boolean }): Promise<ImportReport> {
    const report: ImportReport = { dryRun, imported: { images: 0, scenes: 0 }, skipped: { duplicates: 0 }, failed: [...scan.failed], overLimit: [] };
    const entries: Entry[] = [
      ...scan.images.map((found) => ({ kind: 'image' as const, found })),
      ...scan.scenes.map((found) => ({ kind: 'scene' as const, found })),
    ];
    const decoded = entries.flatMap((entry) => {
      const parsed = parseImageDataUrl(entry.found.dataUrl);
      if ('error' in parsed) {
        report.failed.push({ ref: entry.found.ref, reason: parsed.error });
        return [];
      }
      return [{ entry, data: parsed.data, hash: createHash('sha256').update(parsed.data).digest('hex') }];
    });

    const known = await this.images.importedSourceHashes(decoded.map(({ hash }) => hash));
    const touchedItems = new Set<string>();
    for (const { entry, data, hash } of decoded) {
      if (known.has(hash)) {
        report.skipped.duplicates++;
        continue;
      }
      known.add(hash); // the same picture twice in one dump is imported once
      try {
        const createdAt = parseCreatedAt(entry.found.createdAt);
        if (dryRun) {
          await this.processor.process(data, { webpQuality: this.config.storage.webpQuality, thumbnail: this.config.storage.thumbnail });
        } else {
          await this.store(entry, data, hash, createdAt);
        }
        report.imported[entry.kind === 'image' ? 'images' : 'scenes']++;
        if (entry.kind === 'image' && entry.found.itemId) touchedItems.add(entry.found.itemId);
      } catch (error) {
        report.failed.push({ ref: entry.found.ref, reason: reasonOf(error) });
        if (!(error instanceof DomainError)) this.logger.error(`Import of ${entry.found.ref} failed: ${String(error)}`);
      }
    }
    if (!dryRun) report.overLimit = await this.itemsOverLimit(touchedItems);
    return report;
  }

  private async store(entry: Entry, data: Buffer, sourceHash: string, createdAt: Date | undefined): Promise<void> {
    const common = { source: 'import' as const, model: null, aspectRatio: null, createdAt, sourceHash, style: entry.found.style ?? null };
    if (entry.kind === 'image') {
      const { prompt, itemId, itemType, featured } = entry.found;
      await this.images.store(data, { ...common, prompt: prompt ?? '', itemId: itemId ?? null, itemType: itemType ?? null, featured }, { enforceItemLimit: false });
      return;
    }
    const image = await this.images.store(data, { ...common, prompt: entry.found.description, itemId: null, itemType: 'scene' }, { enforceItemLimit: false });
    await this.scenes.importScene(entry.found.description, entry.found.style ?? null, image);
  }

  private async itemsOverLimit(itemIds: Set<string>): Promise<ImportReport['overLimit']> {
    const max = this.config.images.maxPerItem;
    const counts = await Promise.all([...itemIds].map(async (itemId) => ({ itemId, count: await this.images.countForItem(itemId), max })));
    return counts.filter(({ count }) => count > max);
  }
}

/** The structured form, entry by entry: a malformed entry fails alone. */
function readStructured(body: StructuredImport): ScanResult {
  const result: ScanResult = { images: [], scenes: [], failed: [] };
  (body.images ?? []).forEach((raw, index) => {
    const ref = `images[${index}]`;
    const problem = checkFields(raw, { dataUrl: 'string', prompt: 'string', itemId: 'string', itemType: 'string', style: 'string', featured: 'boolean', createdAt: 'date' }, ['dataUrl']);
    if (problem) return result.failed.push({ ref, reason: problem });
    result.images.push({ ref, ...(raw as Omit<FoundImage, 'ref'>) });
  });
  (body.scenes ?? []).forEach((raw, index) => {
    const ref = `scenes[${index}]`;
    const problem = checkFields(raw, { dataUrl: 'string', description: 'string', style: 'string', createdAt: 'date' }, ['dataUrl', 'description']);
    if (problem) return result.failed.push({ ref, reason: problem });
    result.scenes.push({ ref, ...(raw as Omit<FoundScene, 'ref'>) });
  });
  return result;
}

type FieldType = 'string' | 'boolean' | 'date';

function checkFields(raw: unknown, fields: Record<string, FieldType>, required: string[]): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'an entry must be an object';
  const record = raw as Record<string, unknown>;
  for (const name of required) {
    if (record[name] === undefined || record[name] === '') return `${name} is missing`;
  }
  for (const [name, value] of Object.entries(record)) {
    const type = fields[name];
    if (!type) return `unknown field ${name}; known fields are ${Object.keys(fields).join(', ')}`;
    if (value === undefined || value === null) continue;
    if (type === 'date' ? parseCreatedAt(value as string | number) === undefined : typeof value !== type) {
      return type === 'date' ? `${name} is not a date` : `${name} must be a ${type}`;
    }
  }
  return null;
}

function parseCreatedAt(value: string | number | undefined): Date | undefined {
  if (value === undefined || value === null || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function reasonOf(error: unknown): string {
  if (error instanceof InvalidImageError || error instanceof DomainError) return error.message;
  return 'the image could not be stored (an internal error, logged on the server)';
}
