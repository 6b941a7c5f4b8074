import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PendingUses } from '../common/pending-uses.js';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { ConflictError, InvalidImageError, InvalidRequestError, NotFoundError, UpstreamBadResponseError } from '../common/errors.js';
import { SingleFlight } from '../common/single-flight.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationService } from '../generation/generation.service.js';
import { ReplicaEvents } from '../redis/replica-events.js';
import type { ImageSize } from '../generation/gemini-models.js';
import { type AspectRatio, DEFAULT_ASPECT_RATIO, type ImageSource, type InputImage } from '../generation/image-provider.js';
import { ImageStore } from '../storage/image-store.js';
import { GENERATED_INPUT_LIMITS, IMPORTED_INPUT_LIMITS, ImageProcessor, type ProcessedImage } from '../storage/image-processor.js';
import { IMAGE_VARIANTS, type ImageVariant } from '../storage/storage-paths.js';
import { ImageEntity } from './image.entity.js';
import { GeminiDailyCap } from './gemini-daily-cap.js';
import { IMAGES_CHANGED, type ImagesChangedEvent } from './image-events.js';
import type { ImageFile, ImageFileLink } from './image-file.js';
import type { JobRun } from '../jobs/job-kinds.js';
import { ImageFileCache } from './image-file-cache.js';
import { type Reference, type ReferenceRequest, ResolvedReferences } from './image-references.js';
import { type ImageSearchFilter, ImagesRepository, type ItemImagesReader } from './images.repository.js';

export interface GenerateImageCommand {
  prompt: string;
  style?: string;
  itemId?: string;
  itemType?: string;
  aspectRatio?: AspectRatio;
  /** A player's addition to the prompt: the model is asked `<prompt>. <customPrompt>`. */
  customPrompt?: string;
  /** Which part of a client asks (e.g. the game's `scene-viewer`). */
  component?: string;
  /** What the model is asked; defaults to the prompt (with its custom part) and style. */
  providerPrompt?: string;
  /** GEMINI_IMAGE_SIZE when unset. */
  imageSize?: ImageSize;
  /** Pictures the model keeps consistent with: asked for, or already resolved (a scene's key needs them first). */
  references?: ReferenceRequest | ResolvedReferences;
}

export interface EditImageCommand {
  /** What to change, in words ("the same dwarf, wounded, in the rain"). */
  instruction: string;
  /** The source's aspect ratio when unset. */
  aspectRatio?: AspectRatio;
  imageSize?: ImageSize;
}

/** What one provider call makes, and what is known of the image before it exists. */
interface Drawing {
  metadata: Omit<ImageMetadata, 'source' | 'model' | 'generationMs'>;
  providerPrompt: string;
  aspectRatio: AspectRatio;
  imageSize: ImageSize;
  /** Read only once the call is certain (after the item limit and the daily cap). */
  inputs: () => Promise<InputImage[]>;
  /** The job drawing it: run again, the job finds the image it already stored instead of paying twice. */
  job?: JobRun;
}

/** What describes an image besides its pixels. */
export interface ImageMetadata {
  prompt: string;
  style: string | null;
  itemId: string | null;
  itemType: string | null;
  featured?: boolean;
  source: ImageSource;
  model: string | null;
  aspectRatio: AspectRatio | null;
  createdAt?: Date;
  component?: string | null;
  customPrompt?: string | null;
  /** How long the provider took. */
  generationMs?: number | null;
  /** Imports: sha256 of the decoded input. */
  sourceHash?: string;
  /** Edits: the image it was made from. */
  parentId?: string | null;
  /** The generation job that drew it. */
  jobId?: string | null;
  /** An image brought from elsewhere keeps its history: its number (if free), uses, deletion. */
  number?: number;
  useCount?: number;
  lastUsedAt?: Date | null;
  deletedAt?: Date | null;
}

export interface StoreOptions {
  /** Apply MAX_IMAGES_PER_ITEM by evicting the item's oldest non-featured images. */
  enforceItemLimit: boolean;
}

/** How a search orders its results. */
export type ImageSort = 'newest' | 'oldest' | 'featured-first';

export interface ImagePage {
  items: ImageEntity[];
  total: number;
  page: number;
  pageSize: number;
  totalPages: number;
}

/** How long a redirect's presigned URL works: long enough for a slow page, short enough not to be shared around. */
const FILE_LINK_SECONDS = 900;

/** How often buffered use counts are written. */
const USE_FLUSH_INTERVAL_MS = 1000;

/** The images pipeline and rules: generation, storage, the per-item limit, lookup. */
@Injectable()
export class ImagesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ImagesService.name);
  private readonly uses = new PendingUses<string>();
  /** Identical edits in flight share one provider call. */
  private readonly edits = new SingleFlight<ImageEntity>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repository: ImagesRepository,
    private readonly generation: GenerationService,
    private readonly processor: ImageProcessor,
    private readonly files: ImageStore,
    private readonly fileCache: ImageFileCache,
    private readonly dailyCap: GeminiDailyCap,
    private readonly replicas: ReplicaEvents,
    private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    // Another replica removed images: its files and scenes must not be served from memory here.
    this.replicas.on('images-changed', ({ ids, removed }) => this.forgetHere(ids, removed));
    this.flushTimer = setInterval(() => void this.flushUses(), USE_FLUSH_INTERVAL_MS).unref();
  }

  /** Before the database closes: the last buffered uses are written. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushUses();
  }

  async generate(command: GenerateImageCommand, job?: JobRun): Promise<ImageEntity> {
    const imageSize = this.imageSizeFor(command.imageSize);
    const aspectRatio = command.aspectRatio ?? DEFAULT_ASPECT_RATIO;
    const references =
      command.references instanceof ResolvedReferences ? command.references : await this.resolveReferences(command.references ?? {});
    const prompt = command.customPrompt ? `${command.prompt}. ${command.customPrompt}` : command.prompt;
    return this.draw({
      metadata: {
        prompt,
        customPrompt: command.customPrompt ?? null,
        component: command.component ?? null,
        style: command.style ?? null,
        itemId: command.itemId ?? null,
        itemType: command.itemType ?? null,
        aspectRatio,
        jobId: job?.id ?? null,
      },
      providerPrompt: references.annotate(command.providerPrompt ?? composePrompt(prompt, command.style)),
      aspectRatio,
      imageSize,
      inputs: () => Promise.all(references.items.map((reference) => this.inputOf(reference.image, 'reference'))),
      job,
    });
  }

  /**
   * A new image from a stored one and an instruction: the model is shown the picture and asked
   * to change it. The result keeps the source's item and style and points back at it
   * (`parentId`). Identical edits in flight share one call.
   */
  async edit(parentId: string, command: EditImageCommand, job?: JobRun): Promise<ImageEntity> {
    const imageSize = this.imageSizeFor(command.imageSize);
    const key = JSON.stringify([parentId, command.instruction.trim().toLowerCase(), command.aspectRatio ?? null, imageSize]);
    return this.edits.run(key, async () => {
      const parent = await this.findOne(parentId);
      const aspectRatio = command.aspectRatio ?? parent.aspectRatio ?? DEFAULT_ASPECT_RATIO;
      return this.draw({
        metadata: {
          prompt: command.instruction,
          style: parent.style,
          itemId: parent.itemId,
          itemType: parent.itemType,
          aspectRatio,
          parentId: parent.id,
          jobId: job?.id ?? null,
        },
        providerPrompt: editPrompt(command.instruction),
        aspectRatio,
        imageSize,
        inputs: async () => [await this.inputOf(parent, 'source')],
        job,
      });
    }).result;
  }

  /** The refusals a generation gets before it waits or costs anything: its size, its references, its item's limit. */
  async checkGenerate(command: GenerateImageCommand): Promise<void> {
    this.imageSizeFor(command.imageSize);
    await this.dailyCap.refuseIfReached(this.generation.source);
    if (!(command.references instanceof ResolvedReferences)) await this.resolveReferences(command.references ?? {});
    if (command.itemId) await this.planEviction(this.repository, command.itemId);
  }

  /** … and an edit's: its size, its source, the source's item's limit. */
  async checkEdit(parentId: string, command: EditImageCommand): Promise<void> {
    this.imageSizeFor(command.imageSize);
    await this.dailyCap.refuseIfReached(this.generation.source);
    const parent = await this.findOne(parentId);
    if (parent.itemId) await this.planEviction(this.repository, parent.itemId);
  }

  /**
   * Finds the pictures a request names and checks them against what the model in use takes,
   * before anything is paid: characters first (their featured image), then plain references,
   * each picture once.
   */
  async resolveReferences(request: ReferenceRequest): Promise<ResolvedReferences> {
    const characterIds = unique(request.characterIds ?? []);
    const imageIds = unique(request.imageIds ?? []);
    if (characterIds.length === 0 && imageIds.length === 0) return ResolvedReferences.NONE;
    const { maxCharacters, maxInputImages } = this.generation.capabilities();
    const model = this.generation.model ?? 'the local provider';
    if (characterIds.length > maxCharacters) {
      throw new InvalidRequestError(`characters: ${model} keeps at most ${maxCharacters} characters consistent per request (got ${characterIds.length})`);
    }
    if (characterIds.length + imageIds.length > maxInputImages) {
      throw new InvalidRequestError(
        `references and characters: ${model} takes at most ${maxInputImages} reference images per request (got ${characterIds.length + imageIds.length})`,
      );
    }
    const [featured, images] = await Promise.all([this.repository.featuredForItems(characterIds), this.repository.findActiveByIds(imageIds)]);
    const unfeatured = characterIds.filter((itemId) => !featured.has(itemId));
    if (unfeatured.length > 0 && !request.skipUnfeatured) {
      throw new InvalidRequestError(`characters: ${unfeatured.map((id) => `"${id}"`).join(', ')} has no featured image; feature one of its images first`);
    }
    const byId = new Map(images.map((image) => [image.id, image]));
    const missing = imageIds.filter((id) => !byId.has(id));
    if (missing.length > 0) throw new InvalidRequestError(`references: no image ${missing.join(', ')}`);
    const references: Reference[] = [
      ...characterIds.flatMap((itemId) => (featured.has(itemId) ? [{ image: featured.get(itemId)!, character: itemId }] : [])),
      ...imageIds.map((id) => ({ image: byId.get(id)!, character: null })),
    ];
    return new ResolvedReferences(references.filter((reference, index) => references.findIndex((other) => other.image.id === reference.image.id) === index));
  }

  /** The image size asked for (GEMINI_IMAGE_SIZE by default), if the model in use draws it; else a 400. */
  imageSizeFor(requested: ImageSize | undefined): ImageSize {
    const imageSize = requested ?? this.config.generation.imageSize;
    const { imageSizes } = this.generation.capabilities();
    if (!imageSizes.includes(imageSize)) {
      throw new InvalidRequestError(`imageSize: ${this.generation.model ?? 'the provider'} draws ${imageSizes.join(', ')}, not ${imageSize}`);
    }
    return imageSize;
  }

  /** A stored picture as the model is shown it: the full WebP, as stored. */
  private async inputOf(image: ImageEntity, role: InputImage['role']): Promise<InputImage> {
    const file = await this.readFile(image.id, 'full');
    return { role, data: file.bytes, mimeType: file.mimeType };
  }

  /** One provider call, stored: the item limit and the daily cap are checked before it is paid. */
  private async draw(drawing: Drawing): Promise<ImageEntity> {
    // A job run again (its replica died after storing, before recording) is not paid twice.
    const stored = drawing.job ? await this.repository.findByJobId(drawing.job.id) : null;
    if (stored) return stored;
    // Refuse before paying for a picture that could not be kept.
    if (drawing.metadata.itemId) await this.planEviction(this.repository, drawing.metadata.itemId);
    const release = await this.dailyCap.reserve(this.generation.source);
    try {
      const inputs = await drawing.inputs();
      const started = performance.now();
      const provided = await this.generation.generate({
        prompt: drawing.providerPrompt,
        aspectRatio: drawing.aspectRatio,
        imageSize: drawing.imageSize,
        inputs,
      });
      drawing.job?.providerAnswered();
      const metadata: ImageMetadata = {
        ...drawing.metadata,
        generationMs: Math.round(performance.now() - started),
        source: provided.source,
        model: provided.model,
      };
      return await this.store(provided.data, metadata, { enforceItemLimit: true });
    } catch (error) {
      if (error instanceof InvalidImageError) {
        throw new UpstreamBadResponseError(`The image provider answered with an unusable image: ${error.message}`);
      }
      throw error;
    } finally {
      release();
    }
  }

  /**
   * Processes encoded image bytes into the stored WebP pair and records the row. Files are
   * written first and removed again if the row cannot be written, so a row never points at
   * a missing file and a failure leaves nothing behind.
   */
  async store(input: Buffer, metadata: ImageMetadata, options: StoreOptions): Promise<ImageEntity> {
    const { storage } = this.config;
    const processed = await this.processor.process(input, {
      webpQuality: storage.webpQuality,
      thumbnail: storage.thumbnail,
      limits: metadata.source === 'import' ? IMPORTED_INPUT_LIMITS : GENERATED_INPUT_LIMITS,
    });
    if (processed.full.data.length > storage.maxImageBytes) {
      throw new InvalidImageError(
        `The stored image would be ${formatMegabytes(processed.full.data.length)}, over MAX_IMAGE_SIZE_MB (${formatMegabytes(storage.maxImageBytes)})`,
      );
    }

    const image = newImageRow(metadata, processed, this.clock.now());

    try {
      // Both settled before any cleanup: a DELETE must not race a PUT still in flight.
      const writes = await Promise.allSettled([this.files.write(image.id, 'full', processed.full.data), this.files.write(image.id, 'thumbnail', processed.thumbnail.data)]);
      const failedWrite = writes.find((write) => write.status === 'rejected');
      if (failedWrite) throw failedWrite.reason;
      const evicted = await this.repository.writeTransaction(async (writer) => {
        const ids = options.enforceItemLimit && image.itemId ? await this.planEviction(writer, image.itemId) : [];
        if (ids.length > 0) await writer.softDelete(ids, image.createdAt);
        await writer.insert(image);
        return ids;
      });
      this.forgetRemoved(evicted);
    } catch (error) {
      await Promise.all(IMAGE_VARIANTS.map((variant) => this.files.remove(image.id, variant))).catch((cleanupError) =>
        this.logger.error(`Could not remove files of failed image ${image.id}: ${String(cleanupError)}`),
      );
      throw error;
    }
    return image;
  }

  /** Which of these numbers are taken (deleted images included). */
  takenNumbers(numbers: number[]): Promise<Set<number>> {
    return this.repository.existingNumbers(numbers);
  }

  /** Images imported from these input hashes (deleted ones included), by hash. */
  importedFrom(hashes: string[]): Promise<Map<string, ImageEntity>> {
    return this.repository.findBySourceHashes(hashes);
  }

  /** Which of these input hashes were imported before (deleted images included). */
  importedSourceHashes(hashes: string[]): Promise<Set<string>> {
    return this.repository.existingSourceHashes(hashes);
  }

  /** Soft-deleted images due for purging: deleted at or before `cutoff`. */
  deletedBefore(cutoff: Date): Promise<ImageEntity[]> {
    return this.repository.findDeletedBefore(cutoff);
  }

  /** Every image id (a file with one is no orphan) and the active ones (whose files must exist), in one read. */
  idsForFileCheck(): Promise<{ known: Set<string>; active: string[] }> {
    return this.repository.idsForFileCheck();
  }

  counts(): Promise<{ total: number; active: number; deleted: number; featured: number }> {
    return this.repository.counts();
  }

  storageTotals(): Promise<{ files: number; fullBytes: number; thumbnailBytes: number }> {
    return this.repository.storageTotals();
  }

  countForItem(itemId: string): Promise<number> {
    return this.repository.countActiveForItem(itemId);
  }

  count(): Promise<number> {
    return this.repository.countActive();
  }

  async findOne(id: string): Promise<ImageEntity> {
    const image = await this.repository.findActive(id);
    if (!image) throw new NotFoundError(`Image ${id} was not found`);
    return image;
  }

  /** An active image by its number (the stable integer id). */
  async findByNumber(number: number): Promise<ImageEntity> {
    const image = await this.repository.findActiveByNumber(number);
    if (!image) throw new NotFoundError(`Image ${number} was not found`);
    return image;
  }

  /**
   * Counts a client's use of an image (its use count and last use) and answers it as it now
   * is. Counted in memory and written each second (flushUses): a write per fetch would cost
   * more than the fetch.
   */
  recordUse(image: ImageEntity): ImageEntity {
    const at = this.clock.now();
    this.uses.add(image.id, at);
    return this.withPendingUses(Object.assign(new ImageEntity(), image, { lastUsedAt: at }));
  }

  /** Writes the buffered use counts; what cannot be written now is tried again next time. */
  async flushUses(): Promise<void> {
    if (this.uses.isEmpty) return;
    const uses = this.uses.take();
    try {
      await this.repository.recordUses(uses);
    } catch (error) {
      this.uses.restore(uses);
      this.logger.error(`Could not record image uses, will retry: ${String(error)}`);
    }
  }

  /** An image read from the database, with the uses counted here but not written yet. */
  private withPendingUses(image: ImageEntity): ImageEntity {
    image.useCount += this.uses.pendingFor(image.id);
    return image;
  }

  async search(query: Omit<ImageSearchFilter, 'words' | 'offset' | 'limit'> & { q?: string; page: number; pageSize: number }): Promise<ImagePage> {
    const { q, page, pageSize, ...filters } = query;
    const [items, total] = await this.repository.search({
      ...filters,
      words: searchWords(q),
      offset: (page - 1) * pageSize,
      limit: pageSize,
    });
    return { items: items.map((image) => this.withPendingUses(image)), total, page, pageSize, totalPages: Math.ceil(total / pageSize) };
  }

  /**
   * Sets `featured`, or flips it when `featured` is undefined. With `onlyOneInItem`, featuring
   * an image un-features the other images of its item (one portrait per character).
   */
  async setFeatured(id: string, featured: boolean | undefined, options: { onlyOneInItem?: boolean } = {}): Promise<ImageEntity> {
    const result = await this.repository.setFeatured(id, featured, options.onlyOneInItem ?? false);
    if (!result) throw new NotFoundError(`Image ${id} was not found`);
    this.changed([id, ...result.unfeaturedIds], { removed: false });
    return result.image;
  }

  /**
   * Deletes images for good: rows first, then files, so a row never points at a missing file
   * (a crash in between leaves only orphan files, which orphan cleanup removes). Also for an
   * image whose purpose failed right after it was stored (a scene entry that could not be
   * saved), so nothing of it remains.
   */
  async purge(ids: string[], options: { keepFeatured: boolean }): Promise<{ deletedImages: number; freedBytes: number }> {
    const rows = await this.repository.purge(ids, options);
    this.forgetRemoved(rows.map((row) => row.id));
    await Promise.all(rows.flatMap((row) => IMAGE_VARIANTS.map((variant) => this.files.remove(row.id, variant))));
    return { deletedImages: rows.length, freedBytes: rows.reduce((sum, row) => sum + row.sizeBytes + row.thumbnailSizeBytes, 0) };
  }

  /** Takes an image out of the gallery at once; its row and files are purged later (IMAGE_PURGE_AFTER_DAYS). */
  async softDelete(id: string): Promise<void> {
    const deleted = await this.repository.softDelete(id, this.clock.now());
    this.forgetRemoved([id]);
    if (!deleted) throw new NotFoundError(`Image ${id} was not found`);
  }

  /** The bytes of an active image's file, from the cache when fresh, else checked against the database. */
  async readFile(id: string, variant: ImageVariant): Promise<ImageFile> {
    const cached = this.fileCache.get(id, variant);
    if (cached) return cached;
    const image = await this.findOne(id);
    const bytes = await this.files.read(image.id, variant);
    if (!bytes) throw new NotFoundError(`The ${variant} file of image ${id} is missing`);
    const file: ImageFile = { bytes, variant, contentHash: image.contentHash, mimeType: 'image/webp' };
    this.fileCache.set(image.id, file);
    return file;
  }

  /**
   * With S3_SERVE=redirect, where the client fetches an active image's file itself; undefined
   * when the service sends the bytes.
   */
  async fileLink(id: string, variant: ImageVariant): Promise<ImageFileLink | undefined> {
    if (this.config.storage.serve !== 'redirect') return undefined;
    const image = await this.findOne(id);
    const url = await this.files.temporaryUrl(image.id, variant, FILE_LINK_SECONDS);
    return url === undefined ? undefined : { url, validSeconds: FILE_LINK_SECONDS, variant, contentHash: image.contentHash };
  }

  private forgetRemoved(ids: string[]): void {
    if (ids.length > 0) this.changed(ids, { removed: true });
  }

  /** Images changed or went: forgotten here, and the other replicas are told to do the same. */
  private changed(ids: string[], { removed }: { removed: boolean }): void {
    this.forgetHere(ids, removed);
    this.replicas.publish('images-changed', { ids, removed });
  }

  /** Memory holding these images lets go of them: their cached files too when they were removed. */
  private forgetHere(ids: string[], removed: boolean): void {
    if (removed) this.fileCache.evict(ids);
    this.events.emit(IMAGES_CHANGED, { ids, removed } satisfies ImagesChangedEvent);
  }

  /**
   * Which of an item's images must go so one more fits under MAX_IMAGES_PER_ITEM: the
   * oldest ones neither featured nor imported. Throws ConflictError when those fill the item.
   */
  private async planEviction(reader: ItemImagesReader, itemId: string): Promise<string[]> {
    const max = this.config.images.maxPerItem;
    const excess = (await reader.countActiveForItem(itemId)) - max + 1;
    if (excess <= 0) return [];
    const evictable = await reader.oldestEvictable(itemId, excess);
    if (evictable.length < excess) {
      throw new ConflictError(
        `Item "${itemId}" already has ${max} images (MAX_IMAGES_PER_ITEM) and all of them are featured or imported, which are never evicted; unfeature or delete one first`,
      );
    }
    return evictable.map((image) => image.id);
  }
}

/** The row for a processed picture and what describes it; what the caller left out takes its default. */
function newImageRow(metadata: ImageMetadata, processed: ProcessedImage, now: Date): ImageEntity {
  return Object.assign(new ImageEntity(), {
    id: randomUUID(),
    number: metadata.number ?? 0, // 0: the insert assigns the next one
    prompt: metadata.prompt,
    style: metadata.style,
    itemId: metadata.itemId,
    itemType: metadata.itemType,
    featured: metadata.featured ?? false,
    source: metadata.source,
    model: metadata.model,
    aspectRatio: metadata.aspectRatio,
    width: processed.full.width,
    height: processed.full.height,
    sizeBytes: processed.full.data.length,
    thumbnailWidth: processed.thumbnail.width,
    thumbnailHeight: processed.thumbnail.height,
    thumbnailSizeBytes: processed.thumbnail.data.length,
    contentHash: processed.contentHash,
    component: metadata.component ?? null,
    customPrompt: metadata.customPrompt ?? null,
    useCount: metadata.useCount ?? 0,
    lastUsedAt: metadata.lastUsedAt ?? null,
    generationMs: metadata.generationMs ?? null,
    sourceHash: metadata.sourceHash ?? null,
    parentId: metadata.parentId ?? null,
    jobId: metadata.jobId ?? null,
    createdAt: metadata.createdAt ?? now,
    deletedAt: metadata.deletedAt ?? null,
  } satisfies ImageEntity);
}

/** Style is part of what the model is asked to draw. */
export function composePrompt(prompt: string, style?: string | null): string {
  return style ? `${prompt}. Style: ${style}` : prompt;
}

/** What the model is asked when shown a picture to change. */
export function editPrompt(instruction: string): string {
  return `Edit the attached picture: ${instruction}. Keep everything else about it as it is.`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Letters and digits runs; everything else (quotes, operators) is a separator. */
function searchWords(q: string | undefined): string[] {
  return q?.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 16) ?? [];
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}
