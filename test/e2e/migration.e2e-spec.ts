import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import request from 'supertest';
import { ImageEntity } from '../../src/images/image.entity.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
const url = (mime: string, data: Buffer) => `data:${mime};base64,${data.toString('base64')}`;
const picture = (seed: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (seed * 37) % 256, g: (90 + seed * 11) % 256, b: (200 + seed * 53) % 256 } } });

let png: string, png2: string, jpeg: string, webp: string, gif: string, truncated: string, bomb: string;

beforeAll(async () => {
  t = await createTestApp({ env: { MAX_IMAGES_PER_ITEM: '1', MIGRATION_MAX_MB: '2' } });
  const pngBytes = await picture(1).png().toBuffer();
  png = url('image/png', pngBytes);
  png2 = url('image/png', await picture(2).png().toBuffer());
  jpeg = url('image/jpeg', await picture(3).jpeg().toBuffer());
  webp = url('image/webp', await picture(4).webp().toBuffer());
  gif = url('image/gif', await picture(5).gif().toBuffer());
  truncated = url('image/png', pngBytes.subarray(0, 60));
  // A small PNG whose header claims 30000×30000: decoding it would need gigabytes.
  const claimed = Buffer.from(pngBytes);
  claimed.writeUInt32BE(30000, 16);
  claimed.writeUInt32BE(30000, 20);
  claimed.writeUInt32BE(crc32(claimed.subarray(12, 29)), 29);
  bomb = url('image/png', claimed);
});
afterAll(() => t.close());

const migrate = (body: unknown, query: Record<string, string> = {}) => request(t.server).post('/api/v2/migrate/from-localstorage').query(query).send(body as object);
const imageRows = async () => t.dataSource.getRepository(ImageEntity).count({ withDeleted: true });

function dump() {
  return {
    localStorage: {
      'char-1-portrait': png, // a bare data URL under an item key
      'npc-7': JSON.stringify([jpeg, webp]), // an array of URLs under an item key
      gallery: JSON.stringify([
        { prompt: 'a gnome tinkerer', image: gif, itemId: 'char-9', itemType: 'character', featured: true, createdAt: '2024-05-06T07:08:09.000Z' },
        { prompt: 'an icon', image: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=' },
      ]),
      scenes: JSON.stringify({ tavern: { description: 'A cosy tavern by the fire', dataUrl: png2, style: 'ink' } }),
      broken: JSON.stringify({ notBase64: 'data:image/png,hello', textAsPng: url('image/png', Buffer.from('just text')), truncated, bomb }),
      theme: 'dark',
      prefs: '{"volume":3}',
    },
  };
}

describe('POST /migrate/from-localstorage with a raw dump', () => {
  it('reports exactly what a dry run would import, and writes nothing', async () => {
    const filesBefore = await t.storedFiles();
    const response = await migrate(dump(), { dryRun: 'true' }).expect(200);
    expect(response.body).toMatchObject({ dryRun: true, imported: { images: 4, scenes: 1 }, skipped: { duplicates: 0 }, overLimit: [] });
    expect(response.body.failed).toHaveLength(5);
    expect(await t.storedFiles()).toEqual(filesBefore);
    expect(await imageRows()).toBe(0);
  });

  it('imports every image through the pipeline, each bad entry failing alone with a reason', async () => {
    const response = await migrate(dump()).expect(200);
    expect(response.body.imported).toEqual({ images: 4, scenes: 1 });
    expect(response.body.skipped).toEqual({ duplicates: 0 });
    const reasons = Object.fromEntries(response.body.failed.map((failure: { ref: string; reason: string }) => [failure.ref, failure.reason]));
    expect(Object.keys(reasons).sort()).toEqual(
      [
        'localStorage["broken"].bomb',
        'localStorage["broken"].notBase64',
        'localStorage["broken"].textAsPng',
        'localStorage["broken"].truncated',
        'localStorage["gallery"][1].image',
      ].sort(),
    );
    expect(reasons['localStorage["gallery"][1].image']).toMatch(/SVG/);
    expect(reasons['localStorage["broken"].notBase64']).toMatch(/base64/);
    expect(reasons['localStorage["broken"].bomb']).toMatch(/pixels/);
    expect(reasons['localStorage["broken"].textAsPng']).toMatch(/not a PNG, JPEG, WebP or GIF image \(judged by its bytes/);
    expect(response.body.overLimit).toEqual([{ itemId: 'npc-7', count: 2, max: 1 }]);

    const imported = (await request(t.server).get('/api/v2/images/search').query({ source: 'import', pageSize: 100 })).body;
    expect(imported.total).toBe(5);
    expect(await t.storedFiles()).toHaveLength(2 * 5); // a full image and a thumbnail each, nothing from failures
    const gnome = imported.items.find((image: { prompt: string }) => image.prompt === 'a gnome tinkerer');
    expect(gnome).toMatchObject({ itemId: 'char-9', itemType: 'character', featured: true, createdAt: '2024-05-06T07:08:09.000Z', width: 64, height: 48 });
    expect(imported.items.filter((image: { itemId: string }) => image.itemId === 'npc-7')).toHaveLength(2);
    expect(imported.items.find((image: { itemId: string }) => image.itemId === 'char-1-portrait')).toBeDefined();

    // The imported scene is the cached art for its description.
    const hit = await request(t.server).post('/api/v2/scenes/generate').send({ description: 'a cosy tavern by the fire', style: 'ink' }).expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body.image).toMatchObject({ source: 'import', itemType: 'scene' });
  });

  it('never lets the per-item limit evict an import: a new generation for a full item is refused', async () => {
    const refused = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'one more for npc-7', itemId: 'npc-7' }).expect(409);
    expect(refused.body.message).toContain('featured or imported');
    const npc = (await request(t.server).get('/api/v2/images/search').query({ itemId: 'npc-7' })).body;
    expect(npc.total).toBe(2);
  });

  it('imports nothing twice: a second run reports only duplicates', async () => {
    const rows = await imageRows();
    const response = await migrate(dump()).expect(200);
    expect(response.body.imported).toEqual({ images: 0, scenes: 0 });
    expect(response.body.skipped).toEqual({ duplicates: 5 });
    expect(await imageRows()).toBe(rows);
  });
});

describe('POST /migrate/from-localstorage, safety', () => {
  it('imports a dump once even when it is sent twice at the same time', async () => {
    const fresh = { localStorage: { one: url('image/png', await picture(7).png().toBuffer()), two: url('image/png', await picture(8).png().toBuffer()) } };
    const rows = await imageRows();
    const [a, b] = await Promise.all([migrate(fresh).expect(200), migrate(fresh).expect(200)]);
    expect(a.body.imported.images + b.body.imported.images).toBe(2);
    expect(a.body.skipped.duplicates + b.body.skipped.duplicates).toBe(2);
    expect(await imageRows()).toBe(rows + 2);
  });

  it('leaves nothing of a scene whose cache entry cannot be saved, so a later run imports it', async () => {
    const scene = { scenes: [{ description: 'a lighthouse in fog', dataUrl: url('image/png', await picture(9).png().toBuffer()) }] };
    const [rows, files] = [await imageRows(), (await t.storedFiles()).length];
    await t.dataSource.query('ALTER TABLE scene_cache RENAME TO scene_cache_away');
    try {
      const failed = await migrate(scene).expect(200);
      expect(failed.body.imported).toEqual({ images: 0, scenes: 0 });
      expect(failed.body.failed).toEqual([{ ref: 'scenes[0]', reason: expect.any(String) }]);
    } finally {
      await t.dataSource.query('ALTER TABLE scene_cache_away RENAME TO scene_cache');
    }
    expect([await imageRows(), (await t.storedFiles()).length]).toEqual([rows, files]);
    expect((await migrate(scene).expect(200)).body.imported).toEqual({ images: 0, scenes: 1 });
  });

  it('keeps a scene picture whose description already has fresh art as a gallery image', async () => {
    const response = await migrate({ scenes: [{ description: 'A cosy tavern by the fire', style: 'ink', dataUrl: url('image/png', await picture(10).png().toBuffer()) }] }).expect(200);
    expect(response.body.imported).toEqual({ images: 1, scenes: 0 });
  });

  it('fails entries whose fields are longer than the generate route allows', async () => {
    const response = await migrate({ images: [{ dataUrl: url('image/png', await picture(11).png().toBuffer()), itemType: 'x'.repeat(51) }] }).expect(200);
    expect(response.body.failed).toEqual([{ ref: 'images[0]', reason: 'itemType is longer than 50 characters' }]);
  });

  it('is an admin route: a client relayed from elsewhere is refused while ADMIN_API_KEY is unset', async () => {
    await migrate({ images: [] }).set('X-Forwarded-For', '203.0.113.5').expect(403);
  });
});

describe('POST /migrate/from-localstorage with the structured form', () => {
  it('imports valid entries and fails a malformed one alone', async () => {
    const fresh = url('image/png', await picture(6).png().toBuffer());
    const response = await migrate({
      images: [{ dataUrl: fresh, prompt: 'a structured import', itemId: 'char-77' }, { prompt: 'no picture' }, { dataUrl: fresh, colour: 'red' }],
      scenes: [{ dataUrl: png, description: 'duplicate of an earlier import' }],
    }).expect(200);
    expect(response.body.imported).toEqual({ images: 1, scenes: 0 });
    expect(response.body.skipped).toEqual({ duplicates: 1 });
    expect(response.body.failed).toEqual([
      { ref: 'images[1]', reason: 'dataUrl is missing' },
      { ref: 'images[2]', reason: expect.stringContaining('unknown field colour') },
    ]);
  });

  it.each([
    [{}, 'Neither form was sent'],
    [{ images: [], localStorage: {} }, 'Both forms were sent'],
    [{ localStorage: 'nope' }, 'localStorage must be an object'],
    [{ images: 'nope' }, 'images must be an array'],
    [{ pictures: [] }, 'Unknown field pictures'],
    [[1, 2], 'The body must be a JSON object'],
  ])('rejects the shape %j with 400 naming both accepted forms', async (body, problem) => {
    const response = await migrate(body).expect(400);
    expect(response.body.message).toContain(problem);
    expect(response.body.message).toContain('send either { "images": [...], "scenes": [...] } or { "localStorage"');
  });

  it('takes bodies up to MIGRATION_MAX_MB on this route only, and answers 413 past it', async () => {
    const big = { localStorage: { filler: 'x'.repeat(1_500_000) } };
    await migrate(big).expect(200);
    await request(t.server).post('/api/v2/images/generate').send({ prompt: 'x'.repeat(1_500_000) }).expect(413);
    const tooBig = await migrate({ localStorage: { filler: 'x'.repeat(2_200_000) } }).expect(413);
    expect(tooBig.body.message).toContain('2097152 bytes');
  });
});
