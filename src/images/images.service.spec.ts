import { EventEmitter2 } from '@nestjs/event-emitter';
import { ManualClock } from '../../test/support/clock.js';
import { ConflictError, InvalidImageError, InvalidRequestError, NotFoundError, UpstreamBadResponseError } from '../common/errors.js';
import { parseAppConfig } from '../config/app-config.js';
import { capabilitiesOf } from '../generation/gemini-models.js';
import type { GenerationService } from '../generation/generation.service.js';
import type { ImageRequest, ProvidedImage } from '../generation/image-provider.js';
import type { ImageStore } from '../storage/image-store.js';
import type { ImageProcessor, ProcessedImage } from '../storage/image-processor.js';
import { imageFileName, type ImageVariant } from '../storage/storage-paths.js';
import { ImageEntity } from './image.entity.js';
import { NoOtherReplicas } from '../redis/replica-events.js';
import type { GeminiDailyCap } from './gemini-daily-cap.js';
import { ImageFileCache } from './image-file-cache.js';
import type { ImagesRepository, ImagesWriter } from './images.repository.js';
import { ImagesService } from './images.service.js';

/** Strict fakes: any method a test did not expect to be called throws. */
function strict<T extends object>(name: string, implemented: Partial<T>): T {
  return new Proxy(implemented, {
    get(target, property) {
      if (property in target) return target[property as keyof typeof target];
      if (property === 'then') return undefined;
      throw new Error(`unexpected call: ${name}.${String(property)}`);
    },
  }) as T;
}

const PROCESSED: ProcessedImage = {
  full: { data: Buffer.alloc(1000, 1), width: 1024, height: 1024 },
  thumbnail: { data: Buffer.alloc(100, 2), width: 200, height: 200 },
  contentHash: 'a'.repeat(64),
};

function existing(id: string, featured: boolean): ImageEntity {
  return Object.assign(new ImageEntity(), { id, featured, itemId: 'item-1' });
}

function setup(options: { env?: Record<string, string>; items?: ImageEntity[]; stored?: ImageEntity[]; capabilitiesOf?: string; insertFails?: boolean; failWriteOf?: 'full' | 'thumbnail'; processed?: ProcessedImage } = {}) {
  const config = parseAppConfig({ MAX_IMAGES_PER_ITEM: '2', ...options.env }, '/data');
  const written: string[] = [];
  const removed: string[] = [];
  const writing = new Set<string>();
  const removedWhileWriting: string[] = [];
  const inserted: ImageEntity[] = [];
  const softDeleted: string[][] = [];
  const providerCalls: ImageRequest[] = [];
  const items = options.items ?? [];

  const reader = {
    countActiveForItem: async () => items.length,
    oldestEvictable: async (_itemId: string, limit: number) => items.filter((image) => !image.featured).slice(0, limit),
  };
  const stored = options.stored ?? [];
  const repository = strict<ImagesRepository>('repository', {
    ...reader,
    findActive: async (id: string) => stored.find((image) => image.id === id) ?? null,
    findActiveByIds: async (ids: string[]) => stored.filter((image) => ids.includes(image.id)),
    featuredForItems: async (itemIds: string[]) =>
      new Map(stored.filter((image) => image.featured && itemIds.includes(image.itemId!)).map((image) => [image.itemId!, image])),
    softDelete: async (id: string) => {
      softDeleted.push([id]);
      return true;
    },
    writeTransaction: async <T>(work: (writer: ImagesWriter) => Promise<T>) =>
      work({
        ...reader,
        insert: async (image) => {
          if (options.insertFails) throw new Error('SQLITE_FULL: database or disk is full');
          inserted.push(image);
        },
        softDelete: async (ids) => {
          softDeleted.push(ids);
        },
      }),
  });
  const files = strict<ImageStore>('files', {
    write: async (id: string, variant: ImageVariant) => {
      if (variant === options.failWriteOf) throw new Error('ENOSPC: no space left on device');
      const name = imageFileName(id, variant);
      writing.add(name);
      await new Promise(setImmediate); // a write that succeeds takes a turn of the loop, like a real one
      writing.delete(name);
      written.push(name);
    },
    remove: async (id: string, variant: ImageVariant) => {
      const name = imageFileName(id, variant);
      if (writing.has(name)) removedWhileWriting.push(name);
      removed.push(name);
    },
    read: async (id: string) => Buffer.from(`bytes of ${id}.webp`),
  });
  const processor = strict<ImageProcessor>('processor', {
    process: async (input: Buffer) => {
      if (input.toString() === 'not an image') throw new InvalidImageError('The image could not be decoded: unsupported');
      return options.processed ?? PROCESSED;
    },
  });
  const generation = strict<GenerationService>('generation', {
    source: 'gemini',
    model: 'gemini-test',
    capabilities: () => capabilitiesOf(options.capabilitiesOf ?? 'gemini-3.1-flash-image'),
    generate: async (request: ImageRequest): Promise<ProvidedImage> => {
      providerCalls.push(request);
      const data = Buffer.from(request.prompt.includes('garbage') ? 'not an image' : 'png bytes');
      return { data, mimeType: 'image/png', source: 'gemini', model: 'gemini-test' };
    },
  });

  const fileCache = new ImageFileCache({ maxBytes: 1_000_000, ttlMs: 60_000, now: () => 0 });
  const dailyCap = strict<GeminiDailyCap>('dailyCap', { reserve: async () => () => undefined });
  const service = new ImagesService(config, new ManualClock(new Date('2026-03-01T12:00:00Z')), repository, generation, processor, files, fileCache, dailyCap, new NoOtherReplicas(), new EventEmitter2());
  return { service, fileCache, written, removed, removedWhileWriting, inserted, softDeleted, providerCalls };
}

describe('ImagesService.generate', () => {
  it('asks the provider with prompt and style composed, writes both files, then the row', async () => {
    const { service, written, inserted, providerCalls } = setup();
    const image = await service.generate({ prompt: 'a bard', style: 'pixel art', aspectRatio: '4:3', itemType: 'character' });

    expect(providerCalls).toEqual([{ prompt: 'a bard. Style: pixel art', aspectRatio: '4:3', imageSize: '1K', inputs: [] }]);
    expect(written.sort()).toEqual([`full/${image.id}.webp`, `thumbnails/${image.id}.webp`]);
    expect(inserted).toEqual([image]);
    expect(image).toMatchObject({
      prompt: 'a bard',
      style: 'pixel art',
      itemType: 'character',
      itemId: null,
      source: 'gemini',
      model: 'gemini-test',
      aspectRatio: '4:3',
      sizeBytes: 1000,
      thumbnailSizeBytes: 100,
      contentHash: 'a'.repeat(64),
      createdAt: new Date('2026-03-01T12:00:00Z'),
    });
  });

  it('defaults the aspect ratio to 1:1', async () => {
    const { service, providerCalls } = setup();
    await service.generate({ prompt: 'a bard' });
    expect(providerCalls[0].aspectRatio).toBe('1:1');
  });

  it('turns an undecodable provider answer into a bad-gateway error and writes nothing', async () => {
    const { service, written, inserted } = setup();
    await expect(service.generate({ prompt: 'garbage please' })).rejects.toBeInstanceOf(UpstreamBadResponseError);
    expect(written).toEqual([]);
    expect(inserted).toEqual([]);
  });

  it('refuses before calling the provider when featured images fill the item', async () => {
    const { service, providerCalls } = setup({ items: [existing('a', true), existing('b', true)] });
    await expect(service.generate({ prompt: 'a bard', itemId: 'item-1' })).rejects.toBeInstanceOf(ConflictError);
    expect(providerCalls).toEqual([]);
  });

  it('evicts the oldest non-featured image when the item is full', async () => {
    const { service, softDeleted, inserted } = setup({ items: [existing('a', true), existing('b', false)] });
    await service.generate({ prompt: 'a bard', itemId: 'item-1' });
    expect(softDeleted).toEqual([['b']]);
    expect(inserted).toHaveLength(1);
  });

  it('drops evicted images from the file cache, so their bytes are not served again', async () => {
    const evictedId = '00000000-0000-4000-8000-00000000000a';
    const keptId = '00000000-0000-4000-8000-00000000000b';
    const { service, fileCache } = setup({ items: [existing(evictedId, false), existing(keptId, false)] });
    const cachedFile = { bytes: Buffer.alloc(1), variant: 'full' as const, contentHash: 'x', mimeType: 'image/webp' as const };
    fileCache.set(evictedId, cachedFile);
    fileCache.set(keptId, cachedFile);

    await service.generate({ prompt: 'a bard', itemId: 'item-1' });

    expect(fileCache.get(evictedId, 'full')).toBeUndefined();
    expect(fileCache.get(keptId, 'full')).toBe(cachedFile);
  });

  it('evicts as many as needed when the item is over a lowered limit', async () => {
    const items = ['a', 'b', 'c', 'd'].map((id) => existing(id, false));
    const { service, softDeleted } = setup({ items });
    await service.generate({ prompt: 'a bard', itemId: 'item-1' });
    expect(softDeleted).toEqual([['a', 'b', 'c']]);
  });
});

const DWARF = '00000000-0000-4000-8000-0000000000d1';
const ELF = '00000000-0000-4000-8000-0000000000e1';
const MAP = '00000000-0000-4000-8000-0000000000f1';
function stored(id: string, fields: Partial<ImageEntity>): ImageEntity {
  return Object.assign(new ImageEntity(), { id, featured: false, itemId: null, style: null, itemType: null, aspectRatio: '1:1', contentHash: id.slice(-2).repeat(32), ...fields });
}
const STORED = [
  stored(DWARF, { featured: true, itemId: 'thorin', itemType: 'character' }),
  stored(ELF, { featured: true, itemId: 'elrond', itemType: 'character' }),
  stored(MAP, { itemId: 'map', style: 'ink', aspectRatio: '16:9' }),
];

describe('ImagesService references', () => {
  it('shows characters (their featured image) first, then plain references, once each, with a note per picture', async () => {
    const { service, providerCalls } = setup({ stored: STORED });
    await service.generate({ prompt: 'a feast', references: { characterIds: ['thorin', 'elrond'], imageIds: [MAP, DWARF] } });

    const [call] = providerCalls;
    expect(call.inputs?.map((input) => [input.role, input.mimeType, input.data.toString()])).toEqual([
      ['reference', 'image/webp', `bytes of ${DWARF}.webp`],
      ['reference', 'image/webp', `bytes of ${ELF}.webp`],
      ['reference', 'image/webp', `bytes of ${MAP}.webp`],
    ]);
    expect(call.prompt).toBe(
      'a feast\n\nAttached reference images: image 1 shows the character "thorin"; image 2 shows the character "elrond"; image 3 is a reference. Keep each character looking as in their reference.',
    );
  });

  it.each([
    [{ characterIds: ['a', 'b', 'c', 'd', 'e'] }, /^characters: gemini-test keeps at most 4 characters consistent per request \(got 5\)$/],
    [{ imageIds: Array.from({ length: 15 }, (_, index) => `id-${index}`) }, /^references and characters: gemini-test takes at most 14 reference images per request \(got 15\)$/],
    [{ characterIds: ['thorin', 'nobody'] }, /^characters: "nobody" has no featured image; feature one of its images first$/],
    [{ imageIds: [DWARF, '00000000-0000-4000-8000-000000000000'] }, /^references: no image 00000000-0000-4000-8000-000000000000$/],
  ])('refuses %j with a 400 that says what to fix, before calling the provider', async (references, message) => {
    const { service, providerCalls } = setup({ stored: STORED });
    const failure = await service.generate({ prompt: 'a feast', references }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidRequestError);
    expect((failure as Error).message).toMatch(message);
    expect(providerCalls).toEqual([]);
  });

  it('leaves out a character without a featured image when asked to (v1 automatic references)', async () => {
    const { service, providerCalls } = setup({ stored: STORED });
    await service.generate({ prompt: 'a portrait', references: { characterIds: ['nobody'], skipUnfeatured: true } });
    expect(providerCalls[0].inputs).toEqual([]);
    expect(providerCalls[0].prompt).toBe('a portrait');
  });

  it('refuses an image size the model does not draw', async () => {
    const { service } = setup({ capabilitiesOf: 'gemini-2.5-flash-image' });
    await expect(service.generate({ prompt: 'a bard', imageSize: '4K' })).rejects.toThrow('imageSize: gemini-test draws 1K, not 4K');
  });
});

describe('ImagesService.edit', () => {
  it('shows the model the stored picture with the instruction and keeps the source’s item, style and shape', async () => {
    const { service, providerCalls } = setup({ stored: STORED });
    const image = await service.edit(MAP, { instruction: 'add a dragon in the north' });

    expect(providerCalls).toEqual([
      {
        prompt: 'Edit the attached picture: add a dragon in the north. Keep everything else about it as it is.',
        aspectRatio: '16:9',
        imageSize: '1K',
        inputs: [{ role: 'source', mimeType: 'image/webp', data: Buffer.from(`bytes of ${MAP}.webp`) }],
      },
    ]);
    expect(image).toMatchObject({ parentId: MAP, prompt: 'add a dragon in the north', itemId: 'map', style: 'ink', aspectRatio: '16:9' });
  });

  it('shares one provider call between identical edits in flight', async () => {
    const { service, providerCalls } = setup({ stored: STORED });
    const [first, second] = await Promise.all([
      service.edit(MAP, { instruction: 'Add a dragon' }),
      service.edit(MAP, { instruction: 'add a dragon ' }),
    ]);
    expect(first).toBe(second);
    expect(providerCalls).toHaveLength(1);
  });

  it('answers 404 for an image that does not exist', async () => {
    const { service, providerCalls } = setup({ stored: STORED });
    await expect(service.edit('00000000-0000-4000-8000-000000000000', { instruction: 'add a dragon' })).rejects.toBeInstanceOf(NotFoundError);
    expect(providerCalls).toEqual([]);
  });
});

describe('ImagesService.store', () => {
  const metadata = { prompt: 'imported', style: null, itemId: 'item-1', itemType: null, source: 'import' as const, model: null, aspectRatio: null };

  it('removes both files when the row cannot be written, and rethrows', async () => {
    const { service, written, removed } = setup({ insertFails: true });
    await expect(service.store(Buffer.from('png'), metadata, { enforceItemLimit: false })).rejects.toThrow('SQLITE_FULL');
    expect(written).toHaveLength(2);
    expect(removed.sort()).toEqual(written.sort());
  });

  it('removes the written file when the other one fails to write', async () => {
    const { service, written, removed, removedWhileWriting } = setup({ failWriteOf: 'thumbnail' });
    await expect(service.store(Buffer.from('png'), metadata, { enforceItemLimit: false })).rejects.toThrow('ENOSPC');
    expect(written).toHaveLength(1);
    expect(removed).toEqual(expect.arrayContaining(written));
    // A removal sent while that write was still going would be overtaken by it, leaving the file behind.
    expect(removedWhileWriting).toEqual([]);
  });

  it('rejects an image larger than MAX_IMAGE_SIZE_MB after encoding, writing nothing', async () => {
    const big = { ...PROCESSED, full: { ...PROCESSED.full, data: Buffer.alloc(20_000) } };
    const { service, written } = setup({ env: { MAX_IMAGE_SIZE_MB: '0.01' }, processed: big });
    await expect(service.store(Buffer.from('png'), metadata, { enforceItemLimit: false })).rejects.toThrow(
      /0\.02 MB, over MAX_IMAGE_SIZE_MB \(0\.01 MB\)/,
    );
    expect(written).toEqual([]);
  });

  it('does not evict when the caller opts out of the item limit', async () => {
    const { service, softDeleted, inserted } = setup({ items: [existing('a', false), existing('b', false)] });
    await service.store(Buffer.from('png'), metadata, { enforceItemLimit: false });
    expect(softDeleted).toEqual([]);
    expect(inserted).toHaveLength(1);
  });

  it('keeps a given createdAt and featured flag', async () => {
    const { service } = setup();
    const createdAt = new Date('2024-05-05T05:05:05Z');
    const image = await service.store(Buffer.from('png'), { ...metadata, createdAt, featured: true }, { enforceItemLimit: false });
    expect(image).toMatchObject({ createdAt, featured: true });
  });
});

describe('ImagesService.softDelete', () => {
  it('soft-deletes and drops the cached files at once', async () => {
    const id = '00000000-0000-4000-8000-0000000000aa';
    const { service, fileCache, softDeleted } = setup();
    fileCache.set(id, { bytes: Buffer.alloc(1), variant: 'thumbnail', contentHash: 't', mimeType: 'image/webp' });
    await service.softDelete(id);
    expect(softDeleted).toEqual([[id]]);
    expect(fileCache.get(id, 'thumbnail')).toBeUndefined();
  });
});
