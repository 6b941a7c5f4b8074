import { BadRequestException } from '@nestjs/common';
import { GameLocalStorage } from '../../test/support/game-local-storage.js';
import { findPictures, readImportBody } from './import-body.js';

const PNG = `data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64')}`;

function game(): GameLocalStorage {
  const storage = new GameLocalStorage();
  storage.saveImage('Rusty Sword', PNG);
  storage.cacheScene('Emberpeak', PNG, 'dawn');
  return storage;
}

describe('readImportBody', () => {
  it.each([
    ['the game’s LocalStorage as it is', () => game().dump()],
    ['the game’s LocalStorage with its picture keys parsed', () => game().parsedDump()],
    ['a dump with only a key that holds no picture', () => ({ lastActiveTab: 'inventory' })],
    ['a dump with other apps’ keys too', () => ({ ...game().dump(), images: 'not the structured form', localStorage: 'nor this' })],
  ])('takes %s posted directly as a raw dump', (_name, make) => {
    const body = make();
    expect(readImportBody(body)).toStrictEqual({ kind: 'dump', localStorage: body });
  });

  it('takes a dump wrapped as { localStorage }', () => {
    const localStorage = game().dump();
    expect(readImportBody({ localStorage })).toStrictEqual({ kind: 'dump', localStorage });
  });

  it('takes the structured form', () => {
    expect(readImportBody({ images: [] })).toStrictEqual({ kind: 'structured', images: [], scenes: undefined });
    expect(readImportBody({ scenes: [1] })).toStrictEqual({ kind: 'structured', images: undefined, scenes: [1] });
  });

  it('takes the old route’s form, either part alone', () => {
    expect(readImportBody({ scene_cache: {}, item_images: {} })).toStrictEqual({ kind: 'old-route', sceneCache: {}, itemImages: {} });
    expect(readImportBody({ item_images: { item_image_Torch: {} } })).toStrictEqual({ kind: 'old-route', sceneCache: undefined, itemImages: { item_image_Torch: {} } });
  });

  it.each([
    [{}, 'Neither form was sent'],
    [{ images: [], localStorage: {} }, 'Both forms were sent (images/scenes, localStorage)'],
    [{ images: [], scene_cache: {} }, 'Both forms were sent (images/scenes, scene_cache/item_images)'],
    [{ scenes: [], localStorage: {}, item_images: {} }, 'All three forms were sent (images/scenes, localStorage, scene_cache/item_images)'],
    [{ localStorage: 'nope' }, 'localStorage must be an object'],
    [{ localStorage: [] }, 'localStorage must be an object'],
    [{ images: 'nope' }, 'images must be an array'],
    [{ scene_cache: [] }, 'scene_cache must be an object'],
    [{ item_images: 'nope' }, 'item_images must be an object'],
    [{ pictures: [] }, 'Unknown field pictures'],
    [{ theme: 'dark', 'char-42': PNG }, 'Unknown fields theme, char-42'],
    [[1, 2], 'The body must be a JSON object'],
    [null, 'The body must be a JSON object'],
    ['nanoBananaImageLibrary', 'The body must be a JSON object'],
  ])('refuses %j with a 400 naming every accepted form', (body, problem) => {
    const refuse = () => readImportBody(body);
    expect(refuse).toThrow(BadRequestException);
    expect(refuse).toThrow(problem);
    expect(refuse).toThrow(
      'send either { "images": [...], "scenes": [...] } or { "localStorage": { "<key>": "<value>", ... } }, the game\'s LocalStorage object itself',
    );
    expect(refuse).toThrow('or the old route\'s { "scene_cache": {...}, "item_images": {...} }');
  });
});

describe('findPictures', () => {
  it('reads each form with its reader', () => {
    const counts = (body: unknown) => {
      const { images, scenes, failed } = findPictures(readImportBody(body));
      return [images.length, scenes.length, failed.length];
    };
    expect(counts(game().dump())).toStrictEqual([1, 1, 0]);
    expect(counts({ localStorage: game().parsedDump() })).toStrictEqual([1, 1, 0]);
    expect(counts({ images: [{ dataUrl: PNG }, {}], scenes: [{ dataUrl: PNG, description: 'a keep' }] })).toStrictEqual([1, 1, 1]);
    expect(counts({ scene_cache: { scene_cache_Keep_dusk_fog: { image: PNG } }, item_images: { item_image_Torch: { images: [{ image: PNG }] } } })).toStrictEqual([1, 1, 0]);
  });
});
