import { GameLocalStorage, sceneKey } from '../../test/support/game-local-storage.js';
import { locationSceneDescription } from '../scenes/location-scene.js';
import { isGameStorageKey } from './game-storage.js';
import { scanLocalStorage } from './local-storage-scanner.js';

/** Bare base64 that starts like a PNG (the scanner checks; the import decodes). */
const bare = (n: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([n, n, n, n])]).toString('base64');
const dataUrl = (n: number) => `data:image/webp;base64,${bare(n)}`;

function library() {
  const game = new GameLocalStorage();
  const first = game.saveImage('Rusty Sword', bare(1));
  game.advance(60_000);
  const second = game.saveImage('Rusty Sword', dataUrl(2), 'with a chipped blade');
  game.setFeatured('Rusty Sword', second);
  game.advance(60_000);
  game.saveImage('Healing Potion', bare(3), 'glowing red');
  return { game, first, second };
}

describe('scanLocalStorage with the game’s nanoBananaImageLibrary', () => {
  const expected = [
    {
      ref: 'nanoBananaImageLibrary["Rusty Sword"].images[0]',
      base64: bare(1),
      itemId: 'Rusty Sword',
      itemType: 'item',
      component: 'item-modal',
      featured: false,
      createdAt: '2025-10-25T09:45:09.000Z',
    },
    {
      ref: 'nanoBananaImageLibrary["Rusty Sword"].images[1]',
      base64: bare(2),
      itemId: 'Rusty Sword',
      itemType: 'item',
      component: 'item-modal',
      featured: true,
      prompt: 'with a chipped blade',
      customPrompt: 'with a chipped blade',
      createdAt: '2025-10-25T09:46:09.000Z',
    },
    {
      ref: 'nanoBananaImageLibrary["Healing Potion"].images[0]',
      base64: bare(3),
      itemId: 'Healing Potion',
      itemType: 'item',
      component: 'item-modal',
      featured: true,
      prompt: 'glowing red',
      customPrompt: 'glowing red',
      createdAt: '2025-10-25T09:47:09.000Z',
    },
  ];

  it('makes each image one of its item (by name), bare base64 or a data URL, the featured id featured', () => {
    const { game } = library();
    expect(scanLocalStorage(game.dump())).toStrictEqual({ images: expected, scenes: [], failed: [] });
  });

  it('reads the key already parsed the same as its JSON string', () => {
    const { game } = library();
    expect(scanLocalStorage(game.parsedDump())).toStrictEqual({ images: expected, scenes: [], failed: [] });
  });

  it('features at most one image of an item, and none when the featured id names no image', () => {
    const game = new GameLocalStorage();
    const id = game.saveImage('Torch', bare(1));
    game.library.Torch.images.push({ ...game.library.Torch.images[0], data: bare(2) }); // the same id twice
    game.saveImage('Rope', bare(3));
    game.setFeatured('Rope', 'img_gone');
    const found = scanLocalStorage(game.dump()).images.map(({ itemId, featured }) => [itemId, featured]);
    expect(found).toStrictEqual([
      ['Torch', true],
      ['Torch', false],
      ['Rope', false],
    ]);
    expect(id).toMatch(/^img_\d+_\w{9}$/);
  });

  it('reports every picture it cannot import, and every entry that may hide one, by where it was', () => {
    const storage = {
      nanoBananaImageLibrary: JSON.stringify({
        'Rusty Sword': {
          featured: null,
          images: [
            { id: 'a', data: '', timestamp: '2025-10-25T09:45:09.000Z', customPrompt: '' },
            { id: 'b', data: bare(1).slice(0, -2), timestamp: 'never', customPrompt: '' },
            { id: 'c', data: Buffer.from('<svg onload="alert(1)"/>').toString('base64') },
            { id: 'd', data: Buffer.from('plain text, no picture').toString('base64') },
            { id: 'e' },
            'img_f',
            { id: 'g', data: bare(7), timestamp: 'never', customPrompt: '   ' },
          ],
        },
        Torch: { featured: null, images: 'none' },
        Rope: 'a rope',
        Lantern: { featured: null },
      }),
    };
    expect(scanLocalStorage(storage)).toStrictEqual({
      images: [
        {
          ref: 'nanoBananaImageLibrary["Rusty Sword"].images[6]',
          base64: bare(7),
          itemId: 'Rusty Sword',
          itemType: 'item',
          component: 'item-modal',
          featured: false,
        },
      ],
      scenes: [],
      failed: [
        { ref: 'nanoBananaImageLibrary["Rusty Sword"].images[0]', reason: 'the picture is empty' },
        {
          ref: 'nanoBananaImageLibrary["Rusty Sword"].images[1]',
          reason: 'the image data is not valid base64: its length is wrong (is it truncated?)',
        },
        { ref: 'nanoBananaImageLibrary["Rusty Sword"].images[2]', reason: 'SVG images are not imported: they can carry scripts' },
        {
          ref: 'nanoBananaImageLibrary["Rusty Sword"].images[3]',
          reason: 'the data is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)',
        },
        { ref: 'nanoBananaImageLibrary["Rusty Sword"].images[4]', reason: 'the picture is missing' },
        {
          ref: 'nanoBananaImageLibrary["Rusty Sword"].images[5]',
          reason: 'is not an image entry ({id, data, timestamp, customPrompt})',
        },
        {
          ref: 'nanoBananaImageLibrary["Torch"]',
          reason: 'is not an item of the image library ({featured, images: [{id, data, timestamp, customPrompt}]})',
        },
        {
          ref: 'nanoBananaImageLibrary["Rope"]',
          reason: 'is not an item of the image library ({featured, images: [{id, data, timestamp, customPrompt}]})',
        },
      ],
    });
  });

  it.each([
    ['{"Rusty Sword": {"featured": null, "images": [{"id"', 'is not valid JSON (is the dump cut short?), so its pictures cannot be read'],
    ['[1, 2]', 'should be an object of items, so its pictures cannot be read'],
    [[1, 2], 'should be an object of items, so its pictures cannot be read'],
    ['"text"', 'should be an object of items, so its pictures cannot be read'],
    [42, 'should be an object of items, so its pictures cannot be read'],
  ])('reports a library that cannot be read (%j)', (value, reason) => {
    expect(scanLocalStorage({ nanoBananaImageLibrary: value })).toStrictEqual({ images: [], scenes: [], failed: [{ ref: 'nanoBananaImageLibrary', reason }] });
  });

  it.each(['', '{}', 'null', null, undefined, {}])('finds nothing in an empty library (%j)', (value) => {
    expect(scanLocalStorage({ nanoBananaImageLibrary: value, nanoBananaSceneCache: value })).toStrictEqual({ images: [], scenes: [], failed: [] });
  });
});

describe('scanLocalStorage with the game’s nanoBananaSceneCache', () => {
  const PROMPT = 'the entrance to Emberpeak, a mountain village at dawn. Stone archway covered in moss.';

  function scenes() {
    const game = new GameLocalStorage();
    game.cacheScene('emberpeak_entrance', dataUrl(1), 'dawn', 'clear', PROMPT);
    game.advance(3_600_000);
    game.cacheScene('Whispering Woods', bare(2), 'night', 'light rain');
    game.advance(60_000).useScene('emberpeak_entrance', 'dawn', 'clear');
    game.advance(60_000).useScene('emberpeak_entrance', 'dawn', 'clear');
    return game;
  }

  const expected = [
    {
      ref: `nanoBananaSceneCache["scene_emberpeak_entrance_dawn_clear"]`,
      base64: bare(1),
      description: 'A clear dawn at emberpeak_entrance. Fantasy RPG setting, detailed environment, atmospheric lighting.',
      aspectRatio: '16:9',
      itemId: 'emberpeak_entrance',
      component: 'scene-viewer',
      prompt: PROMPT,
      createdAt: '2025-10-25T09:45:09.000Z',
      lastHitAt: '2025-10-25T10:47:09.000Z',
      hitCount: 3,
    },
    {
      ref: `nanoBananaSceneCache["scene_whispering-woods_night_light-rain"]`,
      base64: bare(2),
      description: 'A light rain night at Whispering Woods. Fantasy RPG setting, detailed environment, atmospheric lighting.',
      aspectRatio: '16:9',
      itemId: 'Whispering Woods',
      component: 'scene-viewer',
      createdAt: '2025-10-25T10:45:09.000Z',
      lastHitAt: '2025-10-25T10:45:09.000Z',
      hitCount: 1,
    },
  ];

  it('makes each entry the cached scene of its location, time of day and weather, keeping its history', () => {
    expect(scanLocalStorage(scenes().dump())).toStrictEqual({ images: [], scenes: expected, failed: [] });
    expect(scanLocalStorage(scenes().parsedDump())).toStrictEqual({ images: [], scenes: expected, failed: [] });
    expect(expected[0].description).toBe(locationSceneDescription({ location: 'emberpeak_entrance', timeOfDay: 'dawn', weather: 'clear' }));
  });

  it('defaults the time of day and weather as the game did, trims them, and ignores history it cannot read', () => {
    const cache = {
      [sceneKey('Old Mill', 'day', 'clear')]: { location: ' Old Mill ', imageData: bare(1), timeOfDay: '', useCount: -1, lastUsed: 'yesterday', timestamp: 17 },
      odd: { location: 'Keep', imageData: bare(2), timeOfDay: ' dusk ', weather: ' fog ', useCount: 1.5 },
      many: { location: 'Inn', imageData: bare(3), useCount: 1e12 },
    };
    expect(scanLocalStorage({ nanoBananaSceneCache: cache }).scenes.map(({ description, hitCount, createdAt, lastHitAt }) => ({ description, hitCount, createdAt, lastHitAt }))).toStrictEqual([
      { description: locationSceneDescription({ location: 'Old Mill', timeOfDay: 'day', weather: 'clear' }), hitCount: undefined, createdAt: '1970-01-01T00:00:00.017Z', lastHitAt: undefined },
      { description: locationSceneDescription({ location: 'Keep', timeOfDay: 'dusk', weather: 'fog' }), hitCount: undefined, createdAt: undefined, lastHitAt: undefined },
      { description: locationSceneDescription({ location: 'Inn', timeOfDay: 'day', weather: 'clear' }), hitCount: 2_147_483_647, createdAt: undefined, lastHitAt: undefined },
    ]);
  });

  it('reports the entries whose picture or place cannot be imported', () => {
    const cache = {
      empty: { location: 'Keep', imageData: '' },
      nowhere: { imageData: bare(1), timeOfDay: 'dawn' },
      svg: { location: 'Keep', imageData: 'data:image/svg+xml;base64,PHN2Zz4=' },
      broken: 'scene',
    };
    expect(scanLocalStorage({ nanoBananaSceneCache: JSON.stringify(cache) })).toStrictEqual({
      images: [],
      scenes: [],
      failed: [
        { ref: 'nanoBananaSceneCache["empty"]', reason: 'the picture is empty' },
        { ref: 'nanoBananaSceneCache["nowhere"]', reason: 'the scene has no location, so it cannot become a cached scene' },
        { ref: 'nanoBananaSceneCache["svg"]', reason: 'SVG images are not imported: they can carry scripts' },
        { ref: 'nanoBananaSceneCache["broken"]', reason: 'is not a cached scene ({location, imageData, timeOfDay, weather, …})' },
      ],
    });
  });
});

describe('scanLocalStorage with a whole game dump', () => {
  it('reads both picture keys and ignores the keys that hold no pictures', () => {
    const game = library().game;
    game.cacheScene('emberpeak_entrance', bare(9), 'dawn', 'clear');
    const result = scanLocalStorage(game.dump());
    expect([result.images.length, result.scenes.length, result.failed]).toStrictEqual([3, 1, []]);
    expect(game.pictureCount).toBe(4);
  });

  it('still finds pictures in other apps’ keys, as data URLs or bare base64', () => {
    const result = scanLocalStorage({ ...library().game.dump(), portrait: bare(5), gallery: JSON.stringify([{ image: bare(6), prompt: 'a gnome' }]) });
    expect(result.images.slice(3)).toStrictEqual([
      { ref: 'localStorage["portrait"]', base64: bare(5), itemId: 'portrait' },
      { ref: 'localStorage["gallery"][0].image', base64: bare(6), itemId: 'gallery', prompt: 'a gnome' },
    ]);
  });
});

describe('isGameStorageKey', () => {
  it.each([
    ['nanoBananaSceneCache', true],
    ['nanoBananaImageLibrary', true],
    ['nanoBananaSomethingNew', true],
    ['aidnd_savegame', true],
    ['gameState', true],
    ['lastActiveTab', true],
    ['dnd-theme', true],
    ['images', false],
    ['localStorage', false],
    ['scene_cache', false],
    ['char-42-portrait', false],
  ])('%s → %s', (key, expected) => {
    expect(isGameStorageKey(key)).toBe(expected);
  });
});
