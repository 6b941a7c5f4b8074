import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError, InvalidImageError } from '../common/errors.js';
import { SerialQueue } from '../common/serial-queue.js';
import { AppConfig } from '../config/app-config.js';
import { IMAGE_FIELD_LIMITS } from '../images/dto/generate-image.dto.js';
import { ImagesService } from '../images/images.service.js';
import { ScenesService } from '../scenes/scenes.service.js';
import { IMPORTED_INPUT_LIMITS, ImageProcessor } from '../storage/image-processor.js';
import { parseImageDataUrl } from './data-url.js';
import type { ImportBody } from './import-body.js';
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
export class MigrationService {
  private readonly logger = new Logger(MigrationService.name);
  /** Imports run one at a time, so two runs of the same dump cannot both pass the duplicate check. */
  private readonly queue = new SerialQueue();

  constructor(
    private readonly config: AppConfig,
    private readonly images: ImagesService,
    private readonly scenes: ScenesService,
    private readonly processor: ImageProcessor,
  ) {}

  /** Either accepted form of the import body. */
  importBody(body: ImportBody, options: { dryRun: boolean }): Promise<ImportReport> {
    return body.kind === 'dump' ? this.importLocalStorage(body.localStorage, options) : this.importStructured(body, options);
  }

  async importStructured(body: StructuredImport, options: { dryRun: boolean }): Promise<ImportReport> {
    return this.import(readStructured(body), options);
  }

  async importLocalStorage(storage: Record<string, unknown>, options: { dryRun: boolean }): Promise<ImportReport> {
    return this.import(scanLocalStorage(storage), options);
  }

  private import(scan: ScanResult, options: { dryRun: boolean }): Promise<ImportReport> {
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
    // One entry at a time: decoded, checked and stored before the next is decoded.
    for (const entry of entries) {
      const problem = fieldProblem(entry);
      const parsed = problem ? { error: problem } : parseImageDataUrl(entry.found.dataUrl);
      if ('error' in parsed) {
        report.failed.push({ ref: entry.found.ref, reason: parsed.error });
        continue;
      }
      const hash = createHash('sha256').update(parsed.data).digest('hex');
      if (done.has(hash) || (await this.images.importedSourceHashes([hash])).has(hash)) {
        report.skipped.duplicates++;
        continue;
      }
      try {
        const createdAt = parseCreatedAt(entry.found.createdAt);
        const kind = dryRun ? await this.check(entry, parsed.data) : await this.store(entry, parsed.data, hash, createdAt);
        done.add(hash); // only now: a copy of a picture that failed may still succeed
        report.imported[kind === 'image' ? 'images' : 'scenes']++;
        report.importedBytes += parsed.data.length;
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
  private async store(entry: Entry, data: Buffer, sourceHash: string, createdAt: Date | undefined): Promise<Entry['kind']> {
    const common = { source: 'import' as const, model: null, aspectRatio: null, createdAt, sourceHash, style: entry.found.style ?? null };
    if (entry.kind === 'image') {
      const { prompt, itemId, itemType, featured } = entry.found;
      await this.images.store(data, { ...common, prompt: prompt ?? '', itemId: itemId ?? null, itemType: itemType ?? null, featured }, { enforceItemLimit: false });
      return 'image';
    }
    const image = await this.images.store(data, { ...common, prompt: entry.found.description, itemId: null, itemType: 'scene' }, { enforceItemLimit: false });
    try {
      // Kept in the gallery either way: the picture is the game master's, even when the
      // description already has fresh art in the cache.
      return (await this.scenes.importScene({ description: entry.found.description, style: entry.found.style, image })) ? 'scene' : 'image';
    } catch (error) {
      await this.images.discard(image.id); // the entry failed: nothing of it stays
      throw error;
    }
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
    const type = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!type) return `unknown field ${name}; known fields are ${Object.keys(fields).join(', ')}`;
    if (value === undefined || value === null) continue;
    if (type === 'date' ? parseCreatedAt(value as string | number) === undefined : typeof value !== type) {
      return type === 'date' ? `${name} is not a date` : `${name} must be a ${type}`;
    }
  }
  return null;
}

/** The limits the generate route enforces, so imported rows fit every database. */
function fieldProblem(entry: Entry): string | null {
  const fields = entry.found as unknown as Record<string, unknown>;
  for (const [name, max] of Object.entries(IMAGE_FIELD_LIMITS)) {
    const value = fields[name];
    if (typeof value === 'string' && value.length > max) return `${name} is longer than ${max} characters`;
  }
  for (const name of ['prompt', 'description', ...Object.keys(IMAGE_FIELD_LIMITS)]) {
    const value = fields[name];
    if (typeof value === 'string' && CONTROL_CHARACTER.test(value)) return `${name} contains control characters`;
  }
  return null;
}

/** What NoControlCharacters refuses on the other routes: no database or caption takes a NUL. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function parseCreatedAt(value: string | number | undefined): Date | undefined {
  if (value === undefined || value === null || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function reasonOf(error: unknown): string {
  if (error instanceof InvalidImageError || error instanceof DomainError) return error.message;
  return 'the image could not be stored (an internal error, logged on the server)';
}
