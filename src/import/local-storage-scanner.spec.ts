import { MAX_DEPTH, MAX_VALUES_PER_KEY, scanLocalStorage } from './local-storage-scanner.js';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const JPG = 'data:image/jpeg;base64,QUJD';
const GIF = 'data:image/gif;base64,R0lGODlh';
const WEBP = 'data:IMAGE/WEBP;base64,UklGRg==';

const EMPTY = { images: [], scenes: [], failed: [] };
/** What a found picture carries: the data URL's base64, checked, not decoded. */
const b64 = (dataUrl: string) => dataUrl.slice(dataUrl.indexOf(',') + 1);

describe('scanLocalStorage', () => {
  it('finds a bare data URL value, and a JSON string holding one, as an image of its key', () => {
    expect(scanLocalStorage({ 'char-42-portrait': PNG, 'char-7-token': JSON.stringify(WEBP) })).toStrictEqual({
      images: [
        { ref: 'localStorage["char-42-portrait"]', base64: b64(PNG), itemId: 'char-42-portrait' },
        { ref: 'localStorage["char-7-token"]', base64: b64(WEBP), itemId: 'char-7-token' },
      ],
      scenes: [],
      failed: [],
    });
  });

  it('finds an array of data URLs under an item key as images of that key', () => {
    expect(scanLocalStorage({ 'item-sword': JSON.stringify([PNG, JPG]) })).toStrictEqual({
      images: [
        { ref: 'localStorage["item-sword"][0]', base64: b64(PNG), itemId: 'item-sword' },
        { ref: 'localStorage["item-sword"][1]', base64: b64(JPG), itemId: 'item-sword' },
      ],
      scenes: [],
      failed: [],
    });
  });

  it('reads the metadata of an array of records, normalising createdAt and ignoring mistyped fields', () => {
    const gallery = [
      {
        id: 1,
        image: PNG,
        prompt: 'a red dragon',
        itemId: 'dragon-1',
        itemType: 'monster',
        style: 'oil painting',
        featured: true,
        createdAt: '2024-03-05T10:00:00+01:00',
      },
      { dataUrl: JPG, prompt: 'a sword', createdAt: 1700000000000, featured: false },
      { src: GIF, prompt: 'a map', itemId: 7, createdAt: 'not a date', featured: 'yes', style: 3 },
      { imageData: WEBP, prompt: '   ', itemId: '', createdAt: '12', itemType: null },
    ];
    expect(scanLocalStorage({ gallery: JSON.stringify(gallery) })).toStrictEqual({
      images: [
        {
          ref: 'localStorage["gallery"][0].image',
          base64: b64(PNG),
          prompt: 'a red dragon',
          itemId: 'dragon-1',
          itemType: 'monster',
          style: 'oil painting',
          featured: true,
          createdAt: '2024-03-05T09:00:00.000Z',
        },
        {
          ref: 'localStorage["gallery"][1].dataUrl',
          base64: b64(JPG),
          prompt: 'a sword',
          itemId: 'gallery',
          featured: false,
          createdAt: '2023-11-14T22:13:20.000Z',
        },
        { ref: 'localStorage["gallery"][2].src', base64: b64(GIF), prompt: 'a map', itemId: '7' },
        { ref: 'localStorage["gallery"][3].imageData', base64: b64(WEBP), itemId: 'gallery' },
      ],
      scenes: [],
      failed: [],
    });
  });

  it('makes scenes of records with a description and no prompt, and images of the rest', () => {
    const scenes = {
      tavern: { dataUrl: PNG, description: 'a smoky tavern', style: 'ink', createdAt: 1700000000000, itemId: 'x' },
      'dark cave': { image: JPG, description: 'a dark cave' },
      both: { url: GIF, description: 'a keep', prompt: 'a keep at dusk', featured: true },
      blank: { url: WEBP, description: ' ' },
    };
    expect(scanLocalStorage({ scenes: JSON.stringify(scenes) })).toStrictEqual({
      images: [
        { ref: 'localStorage["scenes"].both.url', base64: b64(GIF), prompt: 'a keep at dusk', itemId: 'scenes', featured: true },
        { ref: 'localStorage["scenes"].blank.url', base64: b64(WEBP), itemId: 'scenes' },
      ],
      scenes: [
        {
          ref: 'localStorage["scenes"].tavern.dataUrl',
          base64: b64(PNG),
          description: 'a smoky tavern',
          style: 'ink',
          createdAt: '2023-11-14T22:13:20.000Z',
        },
        { ref: 'localStorage["scenes"]["dark cave"].image', base64: b64(JPG), description: 'a dark cave' },
      ],
      failed: [],
    });
  });

  it('makes each image field of an object its own image with the same metadata', () => {
    const hero = { portrait: PNG, prompt: 'a ranger', itemType: 'character', token: JPG, description: GIF };
    expect(scanLocalStorage({ hero: JSON.stringify(hero) })).toStrictEqual({
      images: [
        { ref: 'localStorage["hero"].portrait', base64: b64(PNG), prompt: 'a ranger', itemId: 'hero', itemType: 'character' },
        { ref: 'localStorage["hero"].token', base64: b64(JPG), prompt: 'a ranger', itemId: 'hero', itemType: 'character' },
        { ref: 'localStorage["hero"].description', base64: b64(GIF), prompt: 'a ranger', itemId: 'hero', itemType: 'character' },
      ],
      scenes: [],
      failed: [],
    });
  });

  it('gives data URLs in arrays the metadata of the nearest object, never of an outer one', () => {
    const items = {
      sword: { itemId: 'sword', prompt: 'a sword', variants: [PNG, [JPG]] },
      outer: { prompt: 'outer', child: { image: GIF } },
    };
    expect(scanLocalStorage({ items: JSON.stringify(items) })).toStrictEqual({
      images: [
        { ref: 'localStorage["items"].sword.variants[0]', base64: b64(PNG), prompt: 'a sword', itemId: 'sword' },
        { ref: 'localStorage["items"].sword.variants[1][0]', base64: b64(JPG), prompt: 'a sword', itemId: 'sword' },
        { ref: 'localStorage["items"].outer.child.image', base64: b64(GIF), itemId: 'items' },
      ],
      scenes: [],
      failed: [],
    });
  });

  it('writes refs a person can read, quoting keys that are not identifiers', () => {
    const result = scanLocalStorage({
      'he said "hi"': PNG,
      odd: ` \n ${JSON.stringify({ 'image-data': JPG, $img: GIF, list: [{ 0: WEBP }] })}`,
    });
    expect(result.images.map((image) => image.ref)).toStrictEqual([
      'localStorage["he said \\"hi\\""]',
      'localStorage["odd"]["image-data"]',
      'localStorage["odd"].$img',
      'localStorage["odd"].list[0]["0"]',
    ]);
  });

  it('reports malformed candidates with their reasons and still finds the rest', () => {
    const storage = {
      good: PNG,
      svg: 'data:image/svg+xml;base64,PHN2Zz4=',
      bmp: 'data:image/bmp;base64,Qk0=',
      raw: 'data:image/png,rawtext',
      chars: 'data:image/png;base64,iVBOR$w0KGgo=',
      padding: 'data:image/png;base64,iVBORw0KGg===',
      length: 'data:image/png;base64,iVBORw0KGgo',
      empty: 'data:image/png;base64,',
      gallery: JSON.stringify([{ image: 'data:image/svg+xml,<svg/>', thumb: JPG, prompt: 'p' }, GIF]),
    };
    expect(scanLocalStorage(storage)).toStrictEqual({
      images: [
        { ref: 'localStorage["good"]', base64: b64(PNG), itemId: 'good' },
        { ref: 'localStorage["gallery"][0].thumb', base64: b64(JPG), prompt: 'p', itemId: 'gallery' },
        { ref: 'localStorage["gallery"][1]', base64: b64(GIF), itemId: 'gallery' },
      ],
      scenes: [],
      failed: [
        { ref: 'localStorage["svg"]', reason: 'SVG images are not imported: they can carry scripts' },
        { ref: 'localStorage["bmp"]', reason: 'image/bmp is not supported; PNG, JPEG, WebP and GIF are' },
        { ref: 'localStorage["raw"]', reason: 'the data URL is not base64-encoded' },
        { ref: 'localStorage["chars"]', reason: 'the image data contains characters that are not valid base64' },
        { ref: 'localStorage["padding"]', reason: 'the image data is not valid base64: its "=" padding is misplaced' },
        {
          ref: 'localStorage["length"]',
          reason: 'the image data is not valid base64: its length is wrong (is it truncated?)',
        },
        { ref: 'localStorage["empty"]', reason: 'the data URL holds no image data' },
        { ref: 'localStorage["gallery"][0].image', reason: 'SVG images are not imported: they can carry scripts' },
      ],
    });
  });

  it('ignores settings, plain text, invalid JSON and non-string primitives', () => {
    const storage: Record<string, unknown> = {
      theme: 'dark',
      volume: '0.8',
      flag: 'true',
      nothing: 'null',
      quoted: '"hello"',
      settings: JSON.stringify({ theme: 'dark', sounds: [1, 2], nested: { a: 'data:text/plain,hi', b: null } }),
      notes: 'see data:image/png;base64,QQ== for the picture',
      broken: `{ "image": "${PNG}"`,
      url: 'https://example.com/a.png',
      empty: '',
      n: 42,
      b: true,
      z: null,
      u: undefined,
    };
    expect(scanLocalStorage(storage)).toStrictEqual(EMPTY);
    expect(scanLocalStorage({})).toStrictEqual(EMPTY);
  });

  it('walks storage values that are already objects or arrays', () => {
    expect(scanLocalStorage({ parsed: { image: PNG, prompt: 'p' }, list: [JPG] })).toStrictEqual({
      images: [
        { ref: 'localStorage["parsed"].image', base64: b64(PNG), prompt: 'p', itemId: 'parsed' },
        { ref: 'localStorage["list"][0]', base64: b64(JPG), itemId: 'list' },
      ],
      scenes: [],
      failed: [],
    });
  });

  it('keeps storage key order, then document order, across images, scenes and failures', () => {
    const result = scanLocalStorage({
      b: JSON.stringify([{ image: PNG, description: 'scene b' }, 'data:image/bmp;base64,QQ==', JPG]),
      a: PNG,
      2: GIF,
    });
    expect(result).toStrictEqual({
      images: [
        { ref: 'localStorage["2"]', base64: b64(GIF), itemId: '2' },
        { ref: 'localStorage["b"][2]', base64: b64(JPG), itemId: 'b' },
        { ref: 'localStorage["a"]', base64: b64(PNG), itemId: 'a' },
      ],
      scenes: [{ ref: 'localStorage["b"][0].image', base64: b64(PNG), description: 'scene b' }],
      failed: [{ ref: 'localStorage["b"][1]', reason: 'image/bmp is not supported; PNG, JPEG, WebP and GIF are' }],
    });
  });

  describe('limits', () => {
    const nestArrays = (levels: number, inner: unknown): unknown =>
      levels === 0 ? inner : nestArrays(levels - 1, [inner]);
    const nestObjects = (levels: number, inner: unknown): unknown =>
      levels === 0 ? inner : nestObjects(levels - 1, { a: inner });

    it(`finds data URLs ${MAX_DEPTH} levels deep`, () => {
      expect(MAX_DEPTH).toBe(20);
      expect(scanLocalStorage({ deep: JSON.stringify(nestArrays(20, PNG)) })).toStrictEqual({
        images: [{ ref: `localStorage["deep"]${'[0]'.repeat(20)}`, base64: b64(PNG), itemId: 'deep' }],
        scenes: [],
        failed: [],
      });
      expect(scanLocalStorage({ deep: JSON.stringify(nestObjects(20, PNG)) })).toStrictEqual({
        images: [{ ref: `localStorage["deep"]${'.a'.repeat(20)}`, base64: b64(PNG), itemId: 'deep' }],
        scenes: [],
        failed: [],
      });
    });

    it('reports data URLs nested deeper than that, keeps shallower ones, and ignores deep settings', () => {
      const value = JSON.stringify({ image: JPG, deeper: nestArrays(30, PNG), settings: nestObjects(40, 'x') });
      expect(scanLocalStorage({ deep: value, next: GIF })).toStrictEqual({
        images: [
          { ref: 'localStorage["deep"].image', base64: b64(JPG), itemId: 'deep' },
          { ref: 'localStorage["next"]', base64: b64(GIF), itemId: 'next' },
        ],
        scenes: [],
        failed: [
          {
            ref: `localStorage["deep"].deeper${'[0]'.repeat(19)}`,
            reason: 'images nested more than 20 levels deep are not imported',
          },
        ],
      });
      expect(scanLocalStorage({ deep: JSON.stringify(nestArrays(21, PNG)) }).failed).toStrictEqual([
        { ref: `localStorage["deep"]${'[0]'.repeat(20)}`, reason: 'images nested more than 20 levels deep are not imported' },
      ]);
    });

    it('stops walking a storage value after too many values, reporting it, and goes on with the next key', () => {
      const huge = [PNG, ...new Array<number>(MAX_VALUES_PER_KEY).fill(0), JPG];
      expect(scanLocalStorage({ huge: JSON.stringify(huge), next: GIF })).toStrictEqual({
        images: [
          { ref: 'localStorage["huge"][0]', base64: b64(PNG), itemId: 'huge' },
          { ref: 'localStorage["next"]', base64: b64(GIF), itemId: 'next' },
        ],
        scenes: [],
        failed: [
          {
            ref: 'localStorage["huge"]',
            reason: `holds more than ${MAX_VALUES_PER_KEY} values; the rest of it was not searched for images`,
          },
        ],
      });
    });

    it('terminates on cyclic objects handed in directly', () => {
      const cyclic: Record<string, unknown> = { image: PNG };
      cyclic.self = cyclic;
      const result = scanLocalStorage({ cyclic });
      expect(result.images).toHaveLength(MAX_DEPTH);
      expect(result.images[1]).toStrictEqual({ ref: 'localStorage["cyclic"].self.image', base64: b64(PNG), itemId: 'cyclic' });
      expect(result.failed).toStrictEqual([
        { ref: `localStorage["cyclic"]${'.self'.repeat(MAX_DEPTH)}`, reason: 'images nested more than 20 levels deep are not imported' },
      ]);
    });
  });
});
