import sharp from 'sharp';
import request from 'supertest';
import { ImagesService } from '../../src/images/images.service.js';
import { getBytes } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * /api/v1: the old FastAPI backend's wire contract (shared/SEED-V1.md), route by route, as its
 * game and test script call it. Written from the contract, not from the old code.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const V1 = '/api/v1';
const DAY_MS = 86_400_000;
const TAVERN = { subject_type: 'scene', subject_name: 'Test Tavern', prompt: 'A cozy medieval tavern interior with wooden tables and a fireplace.' };

const generate = (body: Record<string, unknown>) => request(t.server).post(`${V1}/images/generate`).send(body);
const search = (query: Record<string, string | number | boolean> = {}) => request(t.server).get(`${V1}/images/search`).query(query);
const scene = (query: Record<string, string | boolean>) => request(t.server).post(`${V1}/scenes/generate`).query(query);

/** What v1 answers for every image. */
const IMAGE_FIELDS = [
  'id',
  'subject_name',
  'subject_type',
  'component',
  'storage_path_full',
  'storage_path_thumbnail',
  'file_size_bytes',
  'generation_time_ms',
  'created_at',
  'is_featured',
  'use_count',
].sort();

/** The native view of a v1 image, found by its integer id. */
async function nativeImage(number: number) {
  const page = (await request(t.server).get('/api/v2/images/search').query({ pageSize: 100 }).expect(200)).body as {
    items: Array<{ id: string; prompt: string }>;
  };
  const v1 = await request(t.server).get(`${V1}/images/${number}`).query({ include_data: false }).expect(200);
  const native = page.items.find((image) => v1.body.storage_path_full.includes(image.id));
  if (!native) throw new Error(`image ${number} is not in the native search`);
  return native;
}

describe('POST /api/v1/images/generate', () => {
  it('answers 200 with the old ImageResponse: an integer id, the subject, a storage path and the size', async () => {
    const response = await generate({ ...TAVERN, aspect_ratio: '16:9', component: 'test-script' }).expect(200);
    expect(Object.keys(response.body).sort()).toEqual(IMAGE_FIELDS);
    expect(response.body).toMatchObject({
      subject_name: 'Test Tavern',
      subject_type: 'scene',
      component: 'test-script',
      is_featured: false,
      use_count: 0,
    });
    expect(Number.isInteger(response.body.id)).toBe(true);
    expect(response.body.storage_path_full).toMatch(/^images\/full\/.+\.webp$/);
    expect(response.body.file_size_bytes).toBeGreaterThan(0);
    expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
    // 16:9, as asked
    const full = await getBytes(t.server, `/api/v2/images/${(await nativeImage(response.body.id)).id}/full`);
    const { width, height } = await sharp(full.body).metadata();
    expect(width! / height!).toBeCloseTo(16 / 9, 1);
  });

  it('numbers images 1, 2, 3… and never reuses a number', async () => {
    const first = (await generate({ ...TAVERN, subject_name: 'Numbered' }).expect(200)).body.id;
    await request(t.server).delete(`${V1}/images/${first}`).expect(200);
    const second = (await generate({ ...TAVERN, subject_name: 'Numbered' }).expect(200)).body.id;
    expect(second).toBe(first + 1);
  });

  it('defaults to 16:9 and component scene-viewer, ignores fields it does not know, and asks "<prompt>. <custom_prompt>"', async () => {
    const response = await generate({ ...TAVERN, subject_name: 'Goblin Den', custom_prompt: 'The Goblin Den at night', unknown_field: 1 }).expect(200);
    expect(response.body.component).toBe('scene-viewer');
    const native = await nativeImage(response.body.id);
    expect(native).toMatchObject({ prompt: `${TAVERN.prompt}. The Goblin Den at night`, aspectRatio: '16:9', itemId: 'Goblin Den', itemType: 'scene' });
  });

  it.each([
    ['a missing subject_name', { subject_type: 'scene', prompt: TAVERN.prompt }, ['body', 'subject_name'], 'missing', /Field required/],
    ['an unknown subject_type', { ...TAVERN, subject_type: 'monster' }, ['body', 'subject_type'], 'literal_error', /scene, item, character/],
    ['a prompt under 10 characters', { ...TAVERN, prompt: 'tavern' }, ['body', 'prompt'], 'string_too_short', /10 to 1000/],
    ['an aspect ratio the old backend had not', { ...TAVERN, aspect_ratio: '21:9' }, ['body', 'aspect_ratio'], 'literal_error', /1:1, 16:9, 4:3, 9:16/],
    ['a custom prompt that does not name the subject', { ...TAVERN, custom_prompt: 'at night' }, ['body', 'custom_prompt'], 'value_error', /must mention Test Tavern/],
    ['a script-like custom prompt', { ...TAVERN, custom_prompt: 'Test Tavern <script>alert(1)</script>' }, ['body', 'custom_prompt'], 'value_error', /script-like/],
    ['a custom prompt over 200 characters', { ...TAVERN, custom_prompt: `Test Tavern ${'x'.repeat(200)}` }, ['body', 'custom_prompt'], 'string_too_long', /at most 200/],
  ])('refuses %s with FastAPI’s 422, naming the field', async (_name, body, loc, type, message) => {
    const before = (await search().expect(200)).body.total;
    const response = await generate(body).expect(422);
    expect(response.body.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc, type, msg: expect.stringMatching(message) })]));
    expect((await search().expect(200)).body.total).toBe(before);
  });

  it('answers a body that is not JSON with FastAPI’s json_invalid 422', async () => {
    const response = await request(t.server).post(`${V1}/images/generate`).set('Content-Type', 'application/json').send('{"subject_type":').expect(422);
    expect(response.body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body'] });
  });
});

describe('GET /api/v1/images/search', () => {
  let ids: Record<string, number>;
  beforeAll(async () => {
    ids = {};
    for (const [name, type] of [['Search A', 'item'], ['Search B', 'character'], ['Search A', 'item'], ['Search C', 'scene']]) {
      t.clock.advance(1000); // distinct creation times, so "newest first" is well defined
      ids[`${name}:${Object.keys(ids).length}`] = (await generate({ ...TAVERN, subject_name: name, subject_type: type }).expect(200)).body.id;
    }
  });

  it('pages 12 at a time by default, featured first, then newest; never soft-deleted ones', async () => {
    const all = (await search().expect(200)).body;
    expect(all).toMatchObject({ page: 1, page_size: 12, total_pages: Math.ceil(all.total / 12) });
    expect(all.items.length).toBe(Math.min(12, all.total));

    const [olderA, newerA] = [ids['Search A:0'], ids['Search A:2']];
    await request(t.server).put(`${V1}/images/${olderA}/feature`).expect(200);
    const listed = (await search({ subject_name: 'Search A' }).expect(200)).body;
    expect(listed.items.map((image: { id: number }) => image.id)).toEqual([olderA, newerA]);
    expect(listed).toMatchObject({ total: 2, page: 1, page_size: 12, total_pages: 1 });

    await request(t.server).delete(`${V1}/images/${newerA}`).expect(200);
    expect((await search({ subject_name: 'Search A' }).expect(200)).body.items.map((image: { id: number }) => image.id)).toEqual([olderA]);
  });

  it('filters by exact subject_name, subject_type and is_featured', async () => {
    expect((await search({ subject_name: 'Search' }).expect(200)).body.total).toBe(0); // exact, not a prefix
    const characters = (await search({ subject_type: 'character' }).expect(200)).body;
    expect(characters.items.map((image: { subject_name: string }) => image.subject_name)).toContain('Search B');
    expect(characters.items.every((image: { subject_type: string }) => image.subject_type === 'character')).toBe(true);
    const featured = (await search({ is_featured: 'true' }).expect(200)).body;
    expect(featured.total).toBeGreaterThan(0);
    expect(featured.items.every((image: { is_featured: boolean }) => image.is_featured)).toBe(true);
  });

  it('pages with page and page_size', async () => {
    const total = (await search().expect(200)).body.total;
    const second = (await search({ page: 2, page_size: 2 }).expect(200)).body;
    expect(second).toMatchObject({ page: 2, page_size: 2, total, total_pages: Math.ceil(total / 2) });
    expect(second.items).toHaveLength(2);
  });

  it.each([
    [{ page: 0 }, 'page', 'greater_than_equal'],
    [{ page: 'two' }, 'page', 'int_parsing'],
    [{ page: '1e21' }, 'page', 'less_than_equal'],
    [{ page_size: 1000 }, 'page_size', 'less_than_equal'],
    [{ is_featured: 'maybe' }, 'is_featured', 'bool_parsing'],
  ])('refuses %j with a 422 naming the query parameter', async (query, field, type) => {
    const response = await search(query as Record<string, string | number>).expect(422);
    expect(response.body.detail).toEqual([expect.objectContaining({ loc: ['query', field], type })]);
  });
});

describe('GET /api/v1/images/{id}', () => {
  it('includes the full WebP as base64 by default and counts each use', async () => {
    const created = (await generate({ ...TAVERN, subject_name: 'Fetched' }).expect(200)).body;
    const first = (await request(t.server).get(`${V1}/images/${created.id}`).expect(200)).body;
    expect(Object.keys(first).sort()).toEqual([...IMAGE_FIELDS, 'base64_data'].sort());
    expect(first.use_count).toBe(1);
    const native = await nativeImage(created.id); // counts one use itself
    const file = await getBytes(t.server, `/api/v2/images/${native.id}/full`);
    expect(Buffer.from(first.base64_data, 'base64').equals(file.body)).toBe(true);
    expect(first.file_size_bytes).toBe(file.body.length);

    const third = (await request(t.server).get(`${V1}/images/${created.id}`).expect(200)).body;
    expect(third.use_count).toBe(3);
    expect((await search({ subject_name: 'Fetched' }).expect(200)).body.items[0].use_count).toBe(3);
    // Persisted, not only answered (uses are written in batches; shutdown writes them too).
    await t.app.get(ImagesService).flushUses();
    const [row] = (await t.dataSource.query('SELECT "use_count" FROM "images" WHERE "number" = $1'.replace('$1', String(created.id)))) as Array<{ use_count: number }>;
    expect(Number(row.use_count)).toBe(3);
  });

  it('leaves base64_data out with include_data=false', async () => {
    const created = (await generate({ ...TAVERN, subject_name: 'Metadata Only' }).expect(200)).body;
    const response = await request(t.server).get(`${V1}/images/${created.id}`).query({ include_data: 'false' }).expect(200);
    expect(response.body).not.toHaveProperty('base64_data');
    expect(response.body.use_count).toBe(1);
  });

  it('answers 404 for an unknown or deleted image, in the old body', async () => {
    const response = await request(t.server).get(`${V1}/images/999999`).expect(404);
    expect(response.body).toMatchObject({ status: 'error', code: 404, detail: { status: 'error', code: 404, message: expect.stringMatching(/999999/) } });
  });

  it('answers a non-integer id with a 422 naming the path parameter', async () => {
    const response = await request(t.server).get(`${V1}/images/abc`).expect(422);
    expect(response.body.detail).toEqual([expect.objectContaining({ loc: ['path', 'image_id'], type: 'int_parsing' })]);
  });
});

describe('PUT /api/v1/images/{id}/feature and DELETE /api/v1/images/{id}', () => {
  it('toggles featured, and featuring one un-features the others of the same subject', async () => {
    const [a, b] = [
      (await generate({ ...TAVERN, subject_name: 'Featured Hall' }).expect(200)).body.id,
      (await generate({ ...TAVERN, subject_name: 'Featured Hall' }).expect(200)).body.id,
    ];
    expect((await request(t.server).put(`${V1}/images/${a}/feature`).expect(200)).body).toEqual({ id: a, is_featured: true, subject_name: 'Featured Hall' });
    expect((await request(t.server).put(`${V1}/images/${b}/feature`).expect(200)).body).toEqual({ id: b, is_featured: true, subject_name: 'Featured Hall' });
    const listed = (await search({ subject_name: 'Featured Hall' }).expect(200)).body.items;
    expect(listed.map((image: { id: number; is_featured: boolean }) => [image.id, image.is_featured])).toEqual([
      [b, true],
      [a, false],
    ]);
    expect((await request(t.server).put(`${V1}/images/${b}/feature`).expect(200)).body.is_featured).toBe(false);
  });

  it('soft-deletes: the old answer, then 404 on both versions, and the files stay', async () => {
    const created = (await generate({ ...TAVERN, subject_name: 'Doomed Keep' }).expect(200)).body;
    const native = await nativeImage(created.id);
    const files = await t.storedFiles();
    expect((await request(t.server).delete(`${V1}/images/${created.id}`).expect(200)).body).toEqual({
      id: created.id,
      status: 'deleted',
      message: 'Image marked for deletion',
    });
    await request(t.server).get(`${V1}/images/${created.id}`).expect(404);
    await request(t.server).get(`/api/v2/images/${native.id}`).expect(404);
    await request(t.server).delete(`${V1}/images/${created.id}`).expect(404);
    await request(t.server).put(`${V1}/images/${created.id}/feature`).expect(404);
    expect(await t.storedFiles()).toEqual(files);
  });
});

describe('/api/v1/scenes', () => {
  it('generates a scene from the query once, then answers it from the cache with the same image', async () => {
    const imagesBefore = (await search().expect(200)).body.total;
    const miss = await scene({ location: 'Emberpeak', time_of_day: 'dawn', weather: 'foggy' }).expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    expect(Object.keys(miss.body).sort()).toEqual(IMAGE_FIELDS);
    expect(miss.body).toMatchObject({ subject_name: 'Emberpeak', subject_type: 'scene' });
    const hit = await scene({ location: 'Emberpeak', time_of_day: 'dawn', weather: 'foggy' }).expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body.id).toBe(miss.body.id);
    expect((await search().expect(200)).body.total).toBe(imagesBefore + 1);
    const native = await nativeImage(miss.body.id);
    expect(native.prompt).toBe('A foggy dawn at Emberpeak. Fantasy RPG setting, detailed environment, atmospheric lighting.');
    expect(native).toMatchObject({ aspectRatio: '16:9', itemId: 'Emberpeak', itemType: 'scene' });
  });

  it('defaults to a clear day, and force_regenerate draws anew', async () => {
    const first = await scene({ location: 'Mill Road' }).expect(200);
    expect((await nativeImage(first.body.id)).prompt).toMatch(/^A clear day at Mill Road\./);
    const forced = await scene({ location: 'Mill Road', force_regenerate: 'true' }).expect(200);
    expect(forced.headers['x-cache']).toBe('MISS');
    expect(forced.body.id).not.toBe(first.body.id);
    expect((await scene({ location: 'Mill Road' }).expect(200)).body.id).toBe(forced.body.id);
  });

  it('shares one cache entry with a v2 request that says the same thing', async () => {
    const v1 = await scene({ location: 'Shared Glade', time_of_day: 'dusk', weather: 'rainy' }).expect(200);
    const v2 = await request(t.server)
      .post('/api/v2/scenes/generate')
      .send({ description: '  a rainy DUSK at shared glade.  Fantasy RPG setting, detailed environment, atmospheric lighting. ', aspectRatio: '16:9' })
      .expect(200);
    expect(v2.body.cached).toBe(true);
    expect(v2.body.image.id).toBe((await nativeImage(v1.body.id)).id);
  });

  it('refuses a scene without a location with a 422 naming the query parameter', async () => {
    const response = await request(t.server).post(`${V1}/scenes/generate`).expect(422);
    expect(response.body.detail).toEqual([expect.objectContaining({ loc: ['query', 'location'], type: 'missing' })]);
  });

  it('reports the old cache stats, and clears one location or all', async () => {
    await scene({ location: 'Stats Town' }).expect(200);
    await scene({ location: 'Stats Town' }).expect(200);
    const stats = (await request(t.server).get(`${V1}/scenes/cache/stats`).expect(200)).body;
    expect(Object.keys(stats).sort()).toEqual(['active_cache_entries', 'cache_hit_rate', 'expired', 'timestamp', 'total_scenes']);
    expect(stats.total_scenes).toBeGreaterThanOrEqual(2);
    expect(stats.active_cache_entries).toBe(stats.total_scenes - stats.expired);
    expect(stats.cache_hit_rate).toBeGreaterThan(0);
    expect(stats.cache_hit_rate).toBeLessThanOrEqual(100);

    expect((await request(t.server).delete(`${V1}/scenes/cache/clear`).query({ location: 'Stats Town' }).expect(200)).body).toEqual({
      deleted: 1,
      message: 'Cleared cache for Stats Town',
    });
    expect((await scene({ location: 'Stats Town' }).expect(200)).headers['x-cache']).toBe('MISS');
    const cleared = (await request(t.server).delete(`${V1}/scenes/cache/clear`).expect(200)).body;
    expect(cleared).toEqual({ deleted: expect.any(Number), message: 'Cleared all scene cache' });
    expect(cleared.deleted).toBeGreaterThan(1);
    expect((await request(t.server).get(`${V1}/scenes/cache/stats`).expect(200)).body).toMatchObject({ total_scenes: 0, cache_hit_rate: 0 });
  });

  it('misses once the entry has expired, or its image was deleted', async () => {
    const first = (await scene({ location: 'Fading Ruins' }).expect(200)).body;
    await request(t.server).delete(`${V1}/images/${first.id}`).expect(200);
    const second = await scene({ location: 'Fading Ruins' }).expect(200);
    expect(second.headers['x-cache']).toBe('MISS');
    t.clock.advance(t.config.cache.expiryDays * DAY_MS + 1000);
    expect((await scene({ location: 'Fading Ruins' }).expect(200)).headers['x-cache']).toBe('MISS');
  });
});

describe('/api/v1/maintenance', () => {
  it('cleans up expired cache entries, in the old answer', async () => {
    await scene({ location: 'Old Watchtower' }).expect(200);
    t.clock.advance(t.config.cache.expiryDays * DAY_MS + 1000);
    const response = (await request(t.server).post(`${V1}/maintenance/cleanup/expired-cache`).expect(200)).body;
    expect(response).toEqual({ deleted: expect.any(Number), message: `Deleted ${response.deleted} expired cache entries`, timestamp: expect.any(String) });
    expect(response.deleted).toBeGreaterThanOrEqual(1);
    expect((await request(t.server).get(`${V1}/scenes/cache/stats`).expect(200)).body.expired).toBe(0);
  });

  it('purges images deleted long ago, in the old answer', async () => {
    const created = (await generate({ ...TAVERN, subject_name: 'Purged Crypt' }).expect(200)).body;
    await request(t.server).delete(`${V1}/images/${created.id}`).expect(200);
    t.clock.advance(t.config.maintenance.purgeAfterDays * DAY_MS + 1000);
    const response = (await request(t.server).post(`${V1}/maintenance/cleanup/orphaned-images`).expect(200)).body;
    expect(response).toEqual({ deleted: expect.any(Number), message: `Deleted ${response.deleted} orphaned images`, timestamp: expect.any(String) });
    expect(response.deleted).toBeGreaterThanOrEqual(1);
  });

  it('reports the old stats', async () => {
    const stats = (await request(t.server).get(`${V1}/maintenance/stats`).expect(200)).body;
    const active = (await search().expect(200)).body.total;
    expect(stats).toEqual({
      images: { active, deleted: expect.any(Number), storage_mb: expect.any(Number) },
      cache: { total: expect.any(Number), active: expect.any(Number), expired: expect.any(Number) },
      timestamp: expect.any(String),
    });
    expect(stats.images.storage_mb).toBeGreaterThan(0);
  });
});

describe('POST /api/v1/migrate/from-localstorage', () => {
  it('imports and answers the old report', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#884422' } }).png().toBuffer();
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    const body = { images: [{ dataUrl, prompt: 'a copper key', itemId: 'Copper Key' }, { dataUrl: 'data:image/png;base64,AAAA' }], scenes: [] };
    const report = (await request(t.server).post(`${V1}/migrate/from-localstorage`).send(body).expect(200)).body;
    expect(report).toEqual({ scenes: 0, items: 1, errors: [{ key: 'images[1]', error: expect.any(String) }], total_size_mb: expect.any(Number), status: 'partial' });
    expect((await search({ subject_name: 'Copper Key' }).expect(200)).body.total).toBe(1);
  });
});

describe('paths and methods the old backend never had', () => {
  it('answers its "Endpoint not found" 404 under /api/v1, and Nest’s under /api/v2', async () => {
    expect((await request(t.server).get(`${V1}/nothing/here`).expect(404)).body).toEqual({
      status: 'error',
      code: 404,
      message: 'Endpoint not found',
      path: `${V1}/nothing/here`,
    });
    expect((await request(t.server).get('/api/v2/nothing/here').expect(404)).body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
