import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildOldBackendFolder, type OldImage, type OldScene, TYPICAL_OLD_IMAGES, TYPICAL_OLD_SCENES } from '../../../test/support/old-backend-folder.js';
import { type AppConfig, parseAppConfig } from '../../config/app-config.js';
import type { ImageEntity } from '../../images/image.entity.js';
import type { ImageMetadata, ImagesService, StoreOptions } from '../../images/images.service.js';
import type { ImportedScene, ScenesService } from '../../scenes/scenes.service.js';
import { FileStore } from '../../storage/file-store.js';
import { IMPORTED_INPUT_LIMITS, ImageProcessor } from '../../storage/image-processor.js';
import { StoragePaths } from '../../storage/storage-paths.js';
import { LegacyAdoption } from './legacy-adoption.service.js';
import { LegacyDatabase } from './legacy-database.js';

/**
 * The images service as adoption sees it: a table of stored images, keyed by number and by
 * input hash. Storing decodes with the real processor first, as the real service does, so an
 * undecodable picture is refused the same way.
 */
class FakeImages implements Pick<ImagesService, 'importedFrom' | 'takenNumbers' | 'store'> {
  readonly stored: Array<{ metadata: ImageMetadata; options: StoreOptions }> = [];
  /** The number each stored image got. */
  readonly storedNumbers: number[] = [];
  private readonly byHash = new Map<string, ImageEntity>();
  /** Numbers ever used here; the next new one follows the highest, as the `images` sequence does. */
  private readonly numbers: Set<number>;

  constructor(
    private readonly processor: ImageProcessor,
    private readonly config: AppConfig,
    takenNumbers: number[],
    /** An item whose images the database fails to insert (as a full disk would). */
    private readonly failingItem?: string,
  ) {
    this.numbers = new Set(takenNumbers);
  }

  async importedFrom(hashes: string[]): Promise<Map<string, ImageEntity>> {
    const found = new Map<string, ImageEntity>();
    for (const hash of hashes) {
      const image = this.byHash.get(hash);
      if (image) found.set(hash, image);
    }
    return found;
  }

  async takenNumbers(numbers: number[]): Promise<Set<number>> {
    return new Set(numbers.filter((number) => this.numbers.has(number)));
  }

  async store(data: Buffer, metadata: ImageMetadata, options: StoreOptions): Promise<ImageEntity> {
    await this.processor.process(data, { webpQuality: this.config.storage.webpQuality, thumbnail: this.config.storage.thumbnail, limits: IMPORTED_INPUT_LIMITS });
    if (metadata.itemId === this.failingItem) throw new Error('SQLITE_FULL: database or disk is full (/srv/dnd/images.db)');
    const number = metadata.number ?? Math.max(0, ...this.numbers) + 1;
    this.numbers.add(number);
    const image = { id: `image-${number}`, number, deletedAt: metadata.deletedAt ?? null } as ImageEntity;
    this.byHash.set(metadata.sourceHash!, image);
    this.stored.push({ metadata, options });
    this.storedNumbers.push(number);
    return image;
  }

}

/** The scenes service as adoption sees it: an entry per description; the same one again is not made twice. */
class FakeScenes implements Pick<ScenesService, 'importScene'> {
  readonly imported: ImportedScene[] = [];

  async importScene(scene: ImportedScene): Promise<boolean> {
    if (this.imported.some((entry) => entry.description === scene.description)) return false;
    this.imported.push(scene);
    return true;
  }
}

/** Old pictures drawn small: the tests are about rows and files, not pixels. */
const small = (images: OldImage[]): OldImage[] => images.map((image) => ({ ...image, width: 48, height: 27 }));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** The processor's reason for a WebP cut short (its header check refuses it before decoding). */
const UNREADABLE_WEBP = expect.stringMatching(/^The WEBP image could not be read: /);
const MISSING_LOST_MAP = expect.stringMatching(/^its file images\/full\/Lost_Map_\d{8}_\d{6}_[0-9a-f]{8}\.webp is missing$/);

let workDir: string;
let logs: { log: string[]; error: string[] };

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'legacy-adoption-spec-'));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));
beforeEach(() => {
  logs = { log: [], error: [] };
  // Nest's static logger, swapped so tests read what the service logs (and the output stays quiet).
  Logger.overrideLogger({ log: (message: unknown) => logs.log.push(String(message)), error: (message: unknown) => logs.error.push(String(message)), warn: () => undefined });
});

let folders = 0;

/**
 * An old backend's folder in a fresh temp dir (its real SQLite database and WebP files), and
 * the service over real files, processor and database, with fakes of the services it feeds.
 * `taken`: numbers this service already has; `failingItem`: an item the database fails to store.
 */
async function setup(images: OldImage[], scenes: OldScene[] = [], { taken = [] as number[], failingItem }: { taken?: number[]; failingItem?: string } = {}) {
  const root = join(workDir, `run-${++folders}`);
  const folder = join(root, 'old-backend');
  const { databasePath, files } = await buildOldBackendFolder(folder, images, scenes);
  const config = parseAppConfig({ IMAGE_STORAGE_DIR: join(root, 'storage') }, root);
  const processor = new ImageProcessor();
  const fakeImages = new FakeImages(processor, config, taken, failingItem);
  const fakeScenes = new FakeScenes();
  const service = new LegacyAdoption(
    config,
    fakeImages as unknown as ImagesService,
    fakeScenes as unknown as ScenesService,
    new FileStore(new StoragePaths(config.storage.dir)),
    processor,
  );
  const adopt = async (dryRun = false) => {
    const database = new LegacyDatabase(databasePath);
    try {
      return await service.adopt({ database, folder }, { dryRun });
    } finally {
      database.close();
    }
  };
  /** Changes the old database as a user's might differ from the test folder's (before adopting). */
  const alter = (sql: string, ...params: unknown[]) => {
    const db = new Database(databasePath);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };
  /** The row's file, as the old database names it (relative to the folder). */
  const storedPath = (id: number) => {
    const db = new Database(databasePath, { readonly: true });
    try {
      return (db.prepare('SELECT storage_path_full AS path FROM image_assets WHERE id = ?').get(id) as { path: string }).path;
    } finally {
      db.close();
    }
  };
  return { adopt, alter, storedPath, folder, config, files, images: fakeImages, scenes: fakeScenes };
}

describe('LegacyAdoption', () => {
  it('adopts every image under its own number with its history and file hash, and every scene entry onto its image', async () => {
    const { adopt, files, images, scenes } = await setup(small(TYPICAL_OLD_IMAGES), TYPICAL_OLD_SCENES);
    const report = await adopt();
    expect(report).toEqual({
      dryRun: false,
      images: { total: 5, adopted: 4, alreadyAdopted: 0, renumbered: [], notAdopted: [{ id: 5, reason: MISSING_LOST_MAP }] },
      scenes: { total: 3, adopted: 2, alreadyAdopted: 0, notAdopted: [{ id: 3, reason: 'its image 3 was deleted' }] },
    });
    expect(images.storedNumbers).toEqual([1, 2, 3, 7]);
    expect(images.stored[1]).toEqual({
      metadata: {
        source: 'import',
        prompt: 'Rusty Sword, fantasy RPG art',
        customPrompt: 'Rusty Sword with a chipped blade',
        component: 'item-modal',
        style: null,
        itemId: 'Rusty Sword',
        itemType: 'item',
        featured: false,
        model: 'gemini-2.5-flash-image',
        aspectRatio: '16:9',
        generationMs: 4200,
        createdAt: new Date('2025-10-24T18:21:41.331'), // naive local time, to the millisecond
        useCount: 0,
        lastUsedAt: null,
        deletedAt: null,
        number: 2,
        sourceHash: sha256(files.get(2)!),
      },
      // Adopted images are history: none may evict another past MAX_IMAGES_PER_ITEM.
      options: { enforceItemLimit: false },
    });
    expect(images.stored[0].metadata).toMatchObject({ featured: true, useCount: 5, lastUsedAt: new Date('2025-10-26T09:00:00.000') });
    expect(images.stored[2].metadata.deletedAt).toEqual(new Date('2025-10-25T12:00:00.000')); // soft-deleted there, soft-deleted here

    expect(scenes.imported).toEqual([
      {
        description: 'A clear dawn at Emberpeak Entrance. Fantasy RPG setting, detailed environment, atmospheric lighting.',
        aspectRatio: '16:9',
        image: expect.objectContaining({ id: 'image-1', number: 1 }),
        createdAt: new Date('2025-10-24T18:21:41.331'),
        expiresAt: new Date('2099-01-01T00:00:00.000'),
        hitCount: 4,
        lastHitAt: new Date('2025-10-26T09:00:00.000'),
      },
      expect.objectContaining({ description: expect.stringMatching(/^A foggy night at Goblin Cave\./), image: expect.objectContaining({ number: 7 }) }),
    ]);
  });

  it('keeps what a row leaves out, or what does not fit here, within the new columns', async () => {
    const { adopt, alter, images } = await setup(small([{ id: 4, subject: 'Torch', type: 'item' }]));
    alter(
      `UPDATE image_assets SET subject_name = ?, subject_type = ?, aspect_ratio = '7:5', use_count = NULL, is_featured = NULL, created_at = NULL, model_used = NULL WHERE id = 4`,
      'T'.repeat(250),
      'a very long kind of thing that no column of ours holds whole',
    );
    expect((await adopt()).images.adopted).toBe(1);
    expect(images.stored[0].metadata).toMatchObject({
      itemId: 'T'.repeat(200),
      itemType: 'a very long kind of thing that no column of ours h',
      aspectRatio: null, // not a ratio this service draws
      useCount: 0,
      featured: false,
      createdAt: undefined, // the store then dates it now
      model: null,
      number: 4,
    });
  });

  it('renumbers an image whose number is taken here, and its scene entry follows it', async () => {
    const old: OldImage[] = [
      { id: 1, subject: 'Old Mill', type: 'scene' },
      { id: 2, subject: 'Harbour', type: 'scene' },
      { id: 9, subject: 'Watchtower', type: 'scene' },
    ];
    const entry: OldScene = { id: 1, location: 'Harbour', timeOfDay: 'dusk', weather: 'rain', imageId: 2, expiresAt: '2099-01-01 00:00:00.000000' };
    const { adopt, images, scenes } = await setup(small(old), [entry], { taken: [2] });
    const report = await adopt();
    expect(report.images).toMatchObject({ adopted: 3, renumbered: [{ from: 2, to: 3 }] });
    // Its number left for the store to assign; the others keep theirs.
    expect(images.stored.map(({ metadata }) => metadata.number)).toEqual([1, undefined, 9]);
    expect(images.storedNumbers).toEqual([1, 3, 9]);
    expect(scenes.imported.map((scene) => scene.image.number)).toEqual([3]);
  });

  it('finds a file by its absolute path, else by name under IMAGE_STORAGE_DIR/full, else under the old folder’s images/full', async () => {
    const old: OldImage[] = [
      { id: 1, subject: 'Absolute', type: 'item' },
      { id: 2, subject: 'In Storage', type: 'item' },
      { id: 3, subject: 'Moved Row', type: 'item' },
      { id: 4, subject: 'Nowhere', type: 'item' },
    ];
    const { adopt, alter, storedPath, folder, config, files, images } = await setup(small(old));
    const elsewhere = join(workDir, `elsewhere-${folders}`);
    await mkdir(elsewhere);
    await mkdir(join(config.storage.dir, 'full'), { recursive: true });
    // 1: moved out of the old folder, its row naming the new place absolutely.
    const absolute = join(elsewhere, basename(storedPath(1)));
    await rename(join(folder, storedPath(1)), absolute);
    alter('UPDATE image_assets SET storage_path_full = ? WHERE id = 1', absolute);
    // 2: the row's folder is gone; the file lies in this service's storage folder.
    await rename(join(folder, storedPath(2)), join(config.storage.dir, 'full', basename(storedPath(2))));
    alter(`UPDATE image_assets SET storage_path_full = 'gone/' || ? WHERE id = 2`, basename(storedPath(2)));
    // 3: the row names an old layout; the file is where the old backend keeps them now.
    alter(`UPDATE image_assets SET storage_path_full = 'old-layout/' || ? WHERE id = 3`, basename(storedPath(3)));
    // 4: in none of the three places.
    await rm(join(folder, storedPath(4)));

    const report = await adopt();
    expect(report.images).toMatchObject({ adopted: 3, notAdopted: [{ id: 4, reason: `its file ${storedPath(4)} is missing` }] });
    expect(images.stored.map(({ metadata }) => metadata.sourceHash)).toEqual([1, 2, 3].map((id) => sha256(files.get(id)!)));
  });

  it('reports a picture that cannot be decoded, with the reason, and adopts the rest', async () => {
    const { adopt, folder, storedPath, files, images } = await setup(small(TYPICAL_OLD_IMAGES), TYPICAL_OLD_SCENES);
    await writeFile(join(folder, storedPath(7)), files.get(7)!.subarray(0, 60)); // a WebP cut short
    const report = await adopt();
    expect(report.images.notAdopted).toEqual([
      { id: 5, reason: MISSING_LOST_MAP },
      { id: 7, reason: UNREADABLE_WEBP },
    ]);
    expect(report.scenes.notAdopted).toEqual([
      { id: 2, reason: 'its image 7 was not adopted' },
      { id: 3, reason: 'its image 3 was deleted' },
    ]);
    expect(images.storedNumbers).toEqual([1, 2, 3]);
    expect(logs.error).toEqual([]); // the user's data, not our fault: reported, not logged as an error
  });

  it('reports internal errors (reading a file, storing an image) without their details, logs them, and adopts the rest', async () => {
    const old: OldImage[] = [
      { id: 1, subject: 'Cellar', type: 'scene' },
      { id: 2, subject: 'Attic', type: 'scene' },
      { id: 3, subject: 'Stable', type: 'scene' },
    ];
    const { adopt, alter, images } = await setup(small(old), [], { failingItem: 'Attic' });
    alter(`UPDATE image_assets SET storage_path_full = 'images' WHERE id = 1`); // a folder: reading it fails, and not as a missing file
    const report = await adopt();
    const INTERNAL = 'the image could not be stored (an internal error, logged on the server)';
    expect(report.images.notAdopted).toEqual([
      { id: 1, reason: INTERNAL },
      { id: 2, reason: INTERNAL },
    ]);
    expect(logs.error).toEqual([
      // (Under jest, fs errors come from another realm and are printed with their "Error: " prefix.)
      expect.stringMatching(/^Image 1 of the old backend could not be adopted: (Error: )?EISDIR: /),
      'Image 2 of the old backend could not be adopted: SQLITE_FULL: database or disk is full (/srv/dnd/images.db)',
    ]);
    expect(images.storedNumbers).toEqual([3]);
  });

  it('checks every picture in a dry run and reports what it would do, storing nothing', async () => {
    const { adopt, folder, storedPath, files, images, scenes } = await setup(small(TYPICAL_OLD_IMAGES), TYPICAL_OLD_SCENES, { taken: [2] });
    await writeFile(join(folder, storedPath(7)), files.get(7)!.subarray(0, 60)); // cut short: the dry run decodes, so it finds this
    expect(await adopt(true)).toEqual({
      dryRun: true,
      images: {
        total: 5,
        adopted: 3,
        alreadyAdopted: 0,
        renumbered: [{ from: 2, to: 0 }], // the new number is only known once stored
        notAdopted: [
          { id: 5, reason: MISSING_LOST_MAP },
          { id: 7, reason: UNREADABLE_WEBP },
        ],
      },
      scenes: {
        total: 3,
        adopted: 1,
        alreadyAdopted: 0,
        notAdopted: [
          { id: 2, reason: 'its image 7 was not adopted' },
          { id: 3, reason: 'its image 3 was deleted' },
        ],
      },
    });
    expect(images.stored).toEqual([]);
    expect(scenes.imported).toEqual([]);
  });

  it('adopts nothing twice: a second run finds every picture and scene entry already here', async () => {
    const { adopt, images, scenes } = await setup(small(TYPICAL_OLD_IMAGES), TYPICAL_OLD_SCENES);
    await adopt();
    const again = await adopt();
    expect(again.images).toEqual({ total: 5, adopted: 0, alreadyAdopted: 4, renumbered: [], notAdopted: [{ id: 5, reason: MISSING_LOST_MAP }] });
    // The deleted image, found again, still keeps its scene entry out.
    expect(again.scenes).toEqual({ total: 3, adopted: 0, alreadyAdopted: 2, notAdopted: [{ id: 3, reason: 'its image 3 was deleted' }] });
    expect(images.stored).toHaveLength(4);
    expect(scenes.imported).toHaveLength(2);
  });

  it('logs its progress every 50 images', async () => {
    const { adopt, alter } = await setup(small([{ id: 1, subject: 'Lost 1', type: 'item', missingFile: true }]));
    // 100 more rows like it, each naming a file of its own (none there: cheap to go through).
    alter(`WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 101)
      INSERT INTO image_assets SELECT i, component, subject_type, subject_name, prompt_used, custom_prompt, 'images/full/lost-' || i || '.webp',
        'images/thumbnails/lost-' || i || '.webp', file_size_bytes, model_used, aspect_ratio, generation_time_ms, use_count, last_used,
        is_featured, created_at, deleted_at
      FROM n, image_assets WHERE id = 1`);
    expect((await adopt()).images.notAdopted).toHaveLength(101);
    expect(logs.log).toEqual(["Adopting the old backend's images: 50 of 101", "Adopting the old backend's images: 100 of 101"]);
  });
});
