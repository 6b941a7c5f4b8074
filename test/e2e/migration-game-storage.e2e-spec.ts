import request from 'supertest';
import { IMAGE_PROVIDER, type ImageProvider } from '../../src/generation/image-provider.js';
import { LocalImageProvider } from '../../src/generation/local-image.provider.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { SceneCacheEntry } from '../../src/scenes/scene-cache-entry.entity.js';
import { locationSceneDescription } from '../../src/scenes/location-scene.js';
import { GameLocalStorage, sceneKey } from '../support/game-local-storage.js';
import { dataUrl, flatPicture, MIME_TYPES, noisyPicture, type PictureFormat } from '../support/pictures.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The import route fed what the old browser game really wrote to LocalStorage (built by
 * test/support/game-local-storage.ts the way the game's code wrote it), in every shape a
 * client may post it, on both API versions.
 */
let t: TestApp;
let providerCalls = 0;

beforeAll(async () => {
  const local = new LocalImageProvider();
  const counting: ImageProvider = {
    source: local.source,
    model: local.model,
    capabilities: () => local.capabilities(),
    generate: (imageRequest) => {
      providerCalls++;
      return local.generate(imageRequest);
    },
  };
  t = await createTestApp({ customize: (builder) => builder.overrideProvider(IMAGE_PROVIDER).useValue(counting) });
});
afterAll(() => t.close());

const MB = 1024 * 1024;
const V1_REPORT_FIELDS = ['errors', 'items', 'scenes', 'status', 'total_size_mb'];
const V2_REPORT_FIELDS = ['dryRun', 'failed', 'imported', 'importedBytes', 'overLimit', 'skipped'];

const importV2 = async (body: unknown, query: Record<string, string> = {}) => {
  const response = await request(t.server).post('/api/v2/migrate/from-localstorage').query(query).send(body as object).expect(200);
  expect(Object.keys(response.body).sort()).toEqual(V2_REPORT_FIELDS);
  return response.body as { imported: { images: number; scenes: number }; skipped: { duplicates: number }; failed: Array<{ ref: string; reason: string }>; importedBytes: number };
};
const importV1 = async (body: unknown) => {
  const response = await request(t.server).post('/api/v1/migrate/from-localstorage').send(body as object).expect(200);
  expect(Object.keys(response.body).sort()).toEqual(V1_REPORT_FIELDS);
  return response.body as { scenes: number; items: number; errors: Array<{ key: string; error: string }>; total_size_mb: number; status: string };
};
const searchV2 = async (query: Record<string, string | boolean>) =>
  (await request(t.server).get('/api/v2/images/search').query({ pageSize: 100, ...query }).expect(200)).body as {
    total: number;
    items: Array<{ id: string; prompt: string; itemId: string; itemType: string; featured: boolean; createdAt: string; source: string }>;
  };
const searchV1 = async (subjectName: string) =>
  (await request(t.server).get('/api/v1/images/search').query({ subject_name: subjectName, page_size: 100 }).expect(200)).body as {
    total: number;
    items: Array<{ id: number; subject_name: string; subject_type: string; component: string; is_featured: boolean; created_at: string }>;
  };
const sceneV1 = (location: string, timeOfDay: string, weather: string) =>
  request(t.server).post('/api/v1/scenes/generate').query({ location, time_of_day: timeOfDay, weather }).expect(200);
const imageRows = () => t.dataSource.getRepository(ImageEntity).count({ withDeleted: true });
const storedImages = (itemId: string) => t.dataSource.getRepository(ImageEntity).find({ where: { itemId }, order: { createdAt: 'ASC' } });

/** Asks v1 for each scene and expects hits answered without the provider or a new image. */
async function expectSceneHits(scenes: Array<[location: string, timeOfDay: string, weather: string]>) {
  const [calls, rows] = [providerCalls, await imageRows()];
  for (const [location, timeOfDay, weather] of scenes) {
    const hit = await sceneV1(location, timeOfDay, weather);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toMatchObject({ subject_name: location, subject_type: 'scene', component: 'scene-viewer' });
  }
  expect([providerCalls, await imageRows()]).toEqual([calls, rows]);
}

/** Each call a colour no other picture of this file has. */
let seed = 0;
const picture = (format: PictureFormat = 'png') => flatPicture(++seed, format);
const bare = async (format: PictureFormat = 'png') => (await picture(format)).toString('base64');
const labelled = async (format: PictureFormat, label = MIME_TYPES[format]) => dataUrl(await picture(format), label);

describe('the game’s LocalStorage posted as it is', () => {
  const game = new GameLocalStorage();
  const pictures: Buffer[] = [];
  const keep = (bytes: Buffer) => (pictures.push(bytes), bytes);
  const EMBERPEAK_PROMPT = 'the entrance to Emberpeak, a mountain village at dawn. Stone archway covered in moss, cobblestone path.';

  beforeAll(async () => {
    game.saveImage('Rusty Sword', keep(await picture('png')).toString('base64'));
    game.advance(60_000);
    // What the game stored once it used the old backend: the service's WebP, labelled PNG.
    game.saveImage('Rusty Sword', dataUrl(keep(await picture('webp')), 'image/png'), 'rust on the blade');
    game.advance(60_000);
    game.setFeatured('Rusty Sword', game.saveImage('Rusty Sword', keep(await picture('jpeg')).toString('base64'), 'with a chipped blade'));
    game.advance(60_000);
    game.saveImage('Healing Potion', keep(await picture('webp')).toString('base64'), 'glowing red');
    game.advance(60_000);
    game.cacheScene('emberpeak_entrance', dataUrl(keep(await picture('webp')), 'image/webp'), 'dawn', 'clear', EMBERPEAK_PROMPT);
    game.advance(3_600_000);
    game.cacheScene('Whispering Woods', keep(await picture('png')).toString('base64'), 'night', 'light rain');
    game.advance(60_000).useScene('emberpeak_entrance', 'dawn', 'clear');
  });

  it('imports every picture: the library’s as images of their items, the cache’s as scenes', async () => {
    const report = await importV2(game.dump());
    expect(report).toEqual({
      dryRun: false,
      imported: { images: 4, scenes: 2 },
      skipped: { duplicates: 0 },
      failed: [],
      overLimit: [],
      importedBytes: pictures.reduce((sum, bytes) => sum + bytes.length, 0),
    });
    expect(game.pictureCount).toBe(6);
  });

  it('keeps each image’s item name, featured flag, timestamp and custom prompt (v2)', async () => {
    const sword = await searchV2({ itemId: 'Rusty Sword', sort: 'oldest' });
    expect(sword.items.map(({ featured, createdAt, prompt, itemType, source }) => ({ featured, createdAt, prompt, itemType, source }))).toEqual([
      { featured: false, createdAt: '2025-10-25T09:45:09.000Z', prompt: '', itemType: 'item', source: 'import' },
      { featured: false, createdAt: '2025-10-25T09:46:09.000Z', prompt: 'rust on the blade', itemType: 'item', source: 'import' },
      { featured: true, createdAt: '2025-10-25T09:47:09.000Z', prompt: 'with a chipped blade', itemType: 'item', source: 'import' },
    ]);
    expect((await storedImages('Rusty Sword')).map(({ customPrompt, component }) => [customPrompt, component])).toEqual([
      [null, 'item-modal'],
      ['rust on the blade', 'item-modal'],
      ['with a chipped blade', 'item-modal'],
    ]);
    expect((await searchV2({ itemId: 'Healing Potion' })).items).toEqual([expect.objectContaining({ featured: true, prompt: 'glowing red', createdAt: '2025-10-25T09:48:09.000Z' })]);
    expect((await searchV2({ itemId: 'nanoBananaImageLibrary' })).total).toBe(0);
  });

  it('answers v1 search by the item’s name, its featured image first', async () => {
    const sword = await searchV1('Rusty Sword');
    expect(sword.total).toBe(3);
    expect(sword.items[0]).toMatchObject({ subject_name: 'Rusty Sword', subject_type: 'item', component: 'item-modal', is_featured: true, created_at: '2025-10-25T09:47:09.000Z' });
    expect(sword.items.slice(1).map((image) => image.is_featured)).toEqual([false, false]);
    expect((await searchV1('Healing Potion')).items).toEqual([expect.objectContaining({ is_featured: true })]);
  });

  it('makes the cached scenes entries of their location, kept with their history', async () => {
    const entries = await t.dataSource.getRepository(SceneCacheEntry).find({ relations: { image: true }, order: { createdAt: 'ASC' } });
    expect(entries.map(({ aspectRatio, hitCount, createdAt, lastHitAt, image }) => ({ aspectRatio, hitCount, createdAt, lastHitAt, itemId: image?.itemId, prompt: image?.prompt }))).toEqual([
      {
        aspectRatio: '16:9',
        hitCount: 2,
        createdAt: new Date('2025-10-25T09:49:09.000Z'),
        lastHitAt: new Date('2025-10-25T10:50:09.000Z'),
        itemId: 'emberpeak_entrance',
        prompt: EMBERPEAK_PROMPT,
      },
      {
        aspectRatio: '16:9',
        hitCount: 1,
        createdAt: new Date('2025-10-25T10:49:09.000Z'),
        lastHitAt: new Date('2025-10-25T10:49:09.000Z'),
        itemId: 'Whispering Woods',
        prompt: locationSceneDescription({ location: 'Whispering Woods', timeOfDay: 'night', weather: 'light rain' }),
      },
    ]);
    // Fresh for CACHE_EXPIRY_DAYS from the import, however old the game's entry.
    expect(entries.every((entry) => entry.expiresAt > t.clock.now())).toBe(true);
  });

  it('makes the game’s scenes hits on /api/v1/scenes/generate (and v2), with no provider call', async () => {
    await expectSceneHits([
      ['emberpeak_entrance', 'dawn', 'clear'],
      ['Whispering Woods', 'night', 'light rain'],
    ]);
    const description = locationSceneDescription({ location: 'Whispering Woods', timeOfDay: 'night', weather: 'light rain' });
    const v2 = await request(t.server).post('/api/v2/scenes/generate').send({ description, aspectRatio: '16:9' }).expect(200);
    expect(v2.headers['x-cache']).toBe('HIT');
    expect(v2.body.image).toMatchObject({ source: 'import', itemType: 'scene', itemId: 'Whispering Woods' });
    expect(providerCalls).toBe(0);
  });

  it('imports nothing twice: a re-import in another shape reports only duplicates', async () => {
    const rows = await imageRows();
    const again = await importV2({ localStorage: game.parsedDump() });
    expect(again).toMatchObject({ imported: { images: 0, scenes: 0 }, skipped: { duplicates: game.pictureCount }, failed: [], importedBytes: 0 });
    expect(await importV1(game.dump())).toEqual({ scenes: 0, items: 0, errors: [], total_size_mb: 0, status: 'success' });
    expect(await imageRows()).toBe(rows);
  });
});

describe('every shape of the dump', () => {
  const shapes = {
    'posted directly, keys as JSON strings': (game: GameLocalStorage) => game.dump(),
    'posted directly, keys parsed': (game: GameLocalStorage) => game.parsedDump(),
    'wrapped as {localStorage}, keys as JSON strings': (game: GameLocalStorage) => ({ localStorage: game.dump() }),
    'wrapped as {localStorage}, keys parsed': (game: GameLocalStorage) => ({ localStorage: game.parsedDump() }),
  };
  const encodings = {
    'bare base64': bare,
    'data URLs': (format: PictureFormat) => labelled(format),
  };
  const cases = Object.keys(shapes).flatMap((shape) => Object.keys(encodings).map((encoding) => [shape, encoding] as [keyof typeof shapes, keyof typeof encodings]));

  it.each(cases)('imports the game’s pictures %s, as %s', async (shape, encoding) => {
    const encode = encodings[encoding];
    const [item, location] = [`Lantern ${seed}`, `Old Mill ${seed}`];
    const game = new GameLocalStorage();
    game.saveImage(item, await encode('png'));
    game.advance(60_000).setFeatured(item, game.saveImage(item, await encode('jpeg'), 'lit'));
    game.cacheScene(location, await encode('webp'), 'dusk', 'fog');

    const report = await importV2(shapes[shape](game));
    expect(report).toMatchObject({ imported: { images: 2, scenes: 1 }, skipped: { duplicates: 0 }, failed: [] });
    const images = await searchV2({ itemId: item, sort: 'oldest' });
    expect(images.items.map(({ featured, prompt }) => [featured, prompt])).toEqual([
      [false, ''],
      [true, 'lit'],
    ]);
    await expectSceneHits([[location, 'dusk', 'fog']]);
  });
});

describe('the old route’s documented body', () => {
  it('imports scene_cache and item_images as the old route read them, answering the old report', async () => {
    const body = {
      scene_cache: { scene_cache_Ravenholm_dusk_heavy_fog: { image: await labelled('png'), timestamp: '2025-09-01T12:00:00Z' } },
      item_images: {
        'item_image_Iron Key': {
          images: [
            { image: await bare('jpeg'), custom_prompt: 'rusted', is_featured: false },
            { image: await labelled('webp'), is_featured: true },
          ],
        },
      },
    };
    const report = await importV1(body);
    expect(report).toEqual({ scenes: 1, items: 2, errors: [], total_size_mb: expect.any(Number), status: 'success' });
    const key = await searchV1('Iron Key');
    expect(key.items.map((image) => [image.is_featured, image.subject_type, image.component])).toEqual([
      [true, 'item', 'item-modal'],
      [false, 'item', 'item-modal'],
    ]);
    expect((await storedImages('Iron Key')).map((image) => [image.prompt, image.customPrompt])).toEqual(expect.arrayContaining([['rusted', 'rusted']]));
    expect((await searchV2({ itemId: 'Ravenholm' })).items).toEqual([expect.objectContaining({ itemType: 'scene', createdAt: '2025-09-01T12:00:00.000Z' })]);
    await expectSceneHits([['Ravenholm', 'dusk', 'heavy_fog']]);

    expect(await importV2(body)).toMatchObject({ imported: { images: 0, scenes: 0 }, skipped: { duplicates: 3 }, failed: [] });
  });

  it('reports a scene key it cannot read under that key', async () => {
    const report = await importV1({ scene_cache: { scene_cache_Ravenholm: { image: await bare() } } });
    expect(report).toEqual({
      scenes: 0,
      items: 0,
      errors: [{ key: 'scene_cache["scene_cache_Ravenholm"]', error: 'the key should be scene_cache_<Location>_<time of day>_<weather>, so the scene is not known' }],
      total_size_mb: 0,
      status: 'failed',
    });
  });
});

describe('broken entries', () => {
  const game = new GameLocalStorage();
  const ITEM = 'Broken Things';
  const imageRef = (index: number) => `nanoBananaImageLibrary["${ITEM}"].images[${index}]`;
  let expectedErrors: Record<string, RegExp>;

  beforeAll(async () => {
    const png = await picture('png');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script></svg>');
    game.saveImage(ITEM, ''); // 0
    game.saveImage(ITEM, png.toString('base64').slice(0, -3)); // 1: cut mid-character
    game.saveImage(ITEM, Buffer.from('the sword, in words').toString('base64')); // 2
    game.saveImage(ITEM, svg.toString('base64')); // 3
    game.saveImage(ITEM, dataUrl(svg, 'image/svg+xml')); // 4
    game.saveImage(ITEM, png.subarray(0, 60).toString('base64')); // 5: whole base64 of a cut PNG
    game.saveImage(ITEM, dataUrl(Buffer.from('just text, labelled a PNG'), 'image/png')); // 6
    game.saveImage(ITEM, await bare('gif')); // 7: fine
    game.cacheScene('Nowhere', await bare(), 'day', 'clear');
    game.sceneCache[sceneKey('Nowhere', 'day', 'clear')].location = '';
    game.cacheScene('Hollow', dataUrl(svg, 'image/svg+xml'), 'night', 'clear');
    game.cacheScene('Harbor', await labelled('jpeg'), 'dawn', 'windy'); // fine
    expectedErrors = {
      [imageRef(0)]: /^the picture is empty$/,
      [imageRef(1)]: /its length is wrong \(is it truncated\?\)/,
      [imageRef(2)]: /not a PNG, JPEG, WebP or GIF image \(judged by its first bytes\)/,
      [imageRef(3)]: /^SVG images are not imported/,
      [imageRef(4)]: /^SVG images are not imported/,
      [imageRef(5)]: /could not be (decoded|read)/,
      [imageRef(6)]: /not a PNG, JPEG, WebP or GIF image \(judged by its bytes, not its label\)/,
      'nanoBananaSceneCache["scene_nowhere_day_clear"]': /has no location/,
      'nanoBananaSceneCache["scene_hollow_night_clear"]': /^SVG images are not imported/,
    };
  });

  it('a dry run reports every failure and writes nothing', async () => {
    const rows = await imageRows();
    const report = await importV2(game.dump(), { dryRun: 'true' });
    expect(report).toMatchObject({ dryRun: true, imported: { images: 1, scenes: 1 }, skipped: { duplicates: 0 } });
    expect(report.failed.map((failure) => failure.ref).sort()).toEqual(Object.keys(expectedErrors).sort());
    expect(await imageRows()).toBe(rows);
  });

  it('imports the good ones and names each failure where it was, with a reason (v1)', async () => {
    const report = await importV1(game.dump());
    expect(report).toMatchObject({ scenes: 1, items: 1, status: 'partial' });
    expect(report.items + report.scenes + report.errors.length).toBe(game.pictureCount);
    expect(Object.fromEntries(report.errors.map(({ key, error }) => [key, error]))).toEqual(
      Object.fromEntries(Object.entries(expectedErrors).map(([key, reason]) => [key, expect.stringMatching(reason)])),
    );
    await expectSceneHits([['Harbor', 'dawn', 'windy']]);
  });

  it('counts every picture again on a re-import: duplicates and the same failures', async () => {
    const report = await importV2(game.dump());
    expect(report.imported).toEqual({ images: 0, scenes: 0 });
    expect(report.skipped.duplicates + report.failed.length).toBe(game.pictureCount);
    expect(await importV1(game.dump())).toMatchObject({ status: 'partial', items: 0, scenes: 0 });
  });

  it('reports a picture key cut short as a whole, and still reads the other', async () => {
    const intact = new GameLocalStorage();
    intact.saveImage(`Whole ${seed}`, await bare());
    const dump = { ...intact.dump(), nanoBananaSceneCache: intact.dump().nanoBananaImageLibrary.slice(0, 40) };
    const report = await importV2(dump);
    expect(report.imported).toEqual({ images: 1, scenes: 0 });
    expect(report.failed).toEqual([{ ref: 'nanoBananaSceneCache', reason: 'is not valid JSON (is the dump cut short?), so its pictures cannot be read' }]);
  });
});

describe('a realistic dump of about 8 MB', () => {
  const game = new GameLocalStorage();
  const scenes: Array<[string, string, string]> = [];
  let body: string;

  beforeAll(async () => {
    // A player's session: items drawn square (PNG from the generator, WebP from the old
    // backend), locations drawn wide, until the dump weighs what a browser lets it hold.
    const square = { width: 256, height: 256 };
    const wide = { width: 384, height: 216 };
    for (let index = 0; JSON.stringify(game.dump()).length < 8 * MB; index++) {
      game.advance(90_000);
      if (index % 4 === 3) {
        const [location, timeOfDay, weather] = [`Location ${index}`, ['dawn', 'day', 'dusk', 'night'][index % 4], index % 8 === 3 ? 'clear' : 'light rain'];
        scenes.push([location, timeOfDay, weather]);
        game.cacheScene(location, dataUrl(await noisyPicture('jpeg', wide), 'image/jpeg'), timeOfDay, weather, `A prompt for location ${index}`);
      } else {
        const image = index % 2 === 0 ? (await noisyPicture('png', square)).toString('base64') : dataUrl(await noisyPicture('webp', square), 'image/png');
        game.saveImage(`Item ${index % 7}`, image, index % 3 === 0 ? `custom prompt ${index}` : '');
      }
    }
    body = JSON.stringify(game.dump());
  }, 60_000);

  it('holds dozens of pictures in 8 to 25 MB', () => {
    expect(game.pictureCount).toBeGreaterThanOrEqual(24);
    expect(body.length).toBeGreaterThanOrEqual(8 * MB);
    expect(body.length).toBeLessThan(t.config.migration.maxBodyBytes);
  });

  it('imports every picture, each scene a hit', async () => {
    const response = await request(t.server).post('/api/v1/migrate/from-localstorage').set('Content-Type', 'application/json').send(body).expect(200);
    const report = response.body as Awaited<ReturnType<typeof importV1>>;
    expect(report).toMatchObject({ errors: [], status: 'success', scenes: scenes.length });
    expect(report.items + report.scenes).toBe(game.pictureCount);
    expect(report.total_size_mb).toBeGreaterThan(5);
    for (const [name, item] of Object.entries(game.library)) {
      const found = await searchV1(name);
      expect(found.total).toBe(item.images.length);
      expect(found.items[0].is_featured).toBe(true);
    }
    await expectSceneHits(scenes);
  }, 120_000);

  it('imports nothing on a second run', async () => {
    const rows = await imageRows();
    const report = await importV2(JSON.parse(body));
    expect(report).toMatchObject({ imported: { images: 0, scenes: 0 }, skipped: { duplicates: game.pictureCount }, failed: [] });
    expect(await imageRows()).toBe(rows);
  }, 120_000);
});
