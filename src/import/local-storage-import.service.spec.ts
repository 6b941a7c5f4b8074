import { createHash } from 'node:crypto';
import { InvalidImageError } from '../common/errors.js';
import { parseAppConfig } from '../config/app-config.js';
import type { ImageEntity } from '../images/image.entity.js';
import type { ImageMetadata, ImagesService } from '../images/images.service.js';
import type { ImportedScene, ScenesService } from '../scenes/scenes.service.js';
import type { ImageProcessor } from '../storage/image-processor.js';
import type { ImportBody } from './import-body.js';
import { LocalStorageImportService } from './local-storage-import.service.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A distinct picture per number, as a data URL (the bytes start like a PNG; the fakes never decode them). */
const picture = (n: number) => `data:image/png;base64,${Buffer.concat([PNG_SIGNATURE, Buffer.from([n, n, n])]).toString('base64')}`;

/** The service over fakes of the images and scenes services and the processor; records what was stored. */
function setup(options: { importedBefore?: string[]; failStoreOf?: number; sceneFails?: boolean; itemCount?: number } = {}) {
  const stored: ImageMetadata[] = [];
  const purged: string[] = [];
  const processed: Buffer[] = [];
  const scenes: ImportedScene[] = [];
  const images = {
    // Input hashes an earlier run imported, as the database would answer them.
    importedSourceHashes: async (hashes: string[]) => new Set(hashes.filter((hash) => options.importedBefore?.includes(hash))),
    store: async (data: Buffer, metadata: ImageMetadata) => {
      if (data.at(-1) === options.failStoreOf) throw new InvalidImageError('The image could not be decoded: corrupt');
      stored.push(metadata);
      return { id: `image-${stored.length}` } as ImageEntity;
    },
    purge: async (ids: string[]) => {
      purged.push(...ids);
      return { deletedImages: ids.length, freedBytes: 0 };
    },
    countForItem: async () => options.itemCount ?? 1,
  } as unknown as ImagesService;
  const scenesService = {
    importScene: async (scene: ImportedScene) => {
      if (options.sceneFails) throw new Error('SQLITE_FULL');
      scenes.push(scene);
      return true;
    },
  } as unknown as ScenesService;
  const processor = { process: async (data: Buffer) => processed.push(data) } as unknown as ImageProcessor;
  const service = new LocalStorageImportService(parseAppConfig({ MAX_IMAGES_PER_ITEM: '2' }, '/data'), images, scenesService, processor);
  return { service, stored, purged, processed, scenes };
}

const body = (images: unknown[], scenes: unknown[] = []): ImportBody => ({ kind: 'structured', images, scenes });

describe('LocalStorageImportService', () => {
  it('stores each picture once, as an import with its input hash, and reports what it did', async () => {
    const { service, stored, scenes } = setup();
    const report = await service.importBody(
      body(
        [
          { dataUrl: picture(1), prompt: 'a gnome', itemId: 'gnome', featured: true },
          { dataUrl: picture(1), prompt: 'the same picture again' },
        ],
        [{ dataUrl: picture(2), description: 'a cosy tavern' }],
      ),
      { dryRun: false },
    );
    expect(report).toMatchObject({ dryRun: false, imported: { images: 1, scenes: 1 }, skipped: { duplicates: 1 }, failed: [], overLimit: [] });
    expect(stored[0]).toMatchObject({ source: 'import', prompt: 'a gnome', itemId: 'gnome', featured: true, sourceHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(stored[1]).toMatchObject({ source: 'import', itemType: 'scene', prompt: 'a cosy tavern' });
    expect(scenes.map((scene) => scene.description)).toEqual(['a cosy tavern']);
  });

  it('skips a picture an earlier run imported, by the hash of its decoded bytes', async () => {
    const earlier = createHash('sha256').update(Buffer.from(picture(11).split(',')[1], 'base64')).digest('hex');
    const { service, stored } = setup({ importedBefore: [earlier] });
    const report = await service.importBody(body([{ dataUrl: picture(11) }, { dataUrl: picture(12) }]), { dryRun: false });
    expect(report).toMatchObject({ imported: { images: 1 }, skipped: { duplicates: 1 } });
    expect(stored).toHaveLength(1);
  });

  it('fails a bad entry alone, saying why, and keeps going', async () => {
    const { service, stored } = setup({ failStoreOf: 3 });
    const report = await service.importBody(
      body([{ dataUrl: picture(3) }, { dataUrl: picture(4), prompt: 'bell\u0007' }, { dataUrl: picture(5), style: 'x'.repeat(201) }, { dataUrl: picture(6) }]),
      { dryRun: false },
    );
    expect(report.failed).toEqual([
      { ref: 'images[0]', reason: 'The image could not be decoded: corrupt' },
      { ref: 'images[1]', reason: 'prompt contains control characters' },
      { ref: 'images[2]', reason: 'style is longer than 200 characters' },
    ]);
    expect(report.imported.images).toBe(1);
    expect(stored).toHaveLength(1);
  });

  it('decodes every picture in a dry run and stores nothing', async () => {
    const { service, stored, processed } = setup();
    const report = await service.importBody(body([{ dataUrl: picture(7) }, { dataUrl: picture(8) }]), { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, imported: { images: 2, scenes: 0 } });
    expect(processed).toHaveLength(2);
    expect(stored).toEqual([]);
  });

  it('purges the stored picture of a scene whose entry cannot be saved', async () => {
    const { service, purged } = setup({ sceneFails: true });
    const report = await service.importBody(body([], [{ dataUrl: picture(9), description: 'a keep' }]), { dryRun: false });
    expect(purged).toEqual(['image-1']);
    expect(report.failed).toEqual([{ ref: 'scenes[0]', reason: 'the image could not be stored (an internal error, logged on the server)' }]);
  });

  it('reports items left above MAX_IMAGES_PER_ITEM (imports are never evicted)', async () => {
    const { service } = setup({ itemCount: 3 });
    const report = await service.importBody(body([{ dataUrl: picture(10), itemId: 'dragon' }]), { dryRun: false });
    expect(report.overLimit).toEqual([{ itemId: 'dragon', count: 3, max: 2 }]);
  });
});
