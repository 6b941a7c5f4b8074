import sharp from 'sharp';
import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { getBytes } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v2/images';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { MAX_IMAGES_PER_ITEM: '3', THUMBNAIL_SIZE: '(200, 150)' } });
});
afterAll(() => t.close());

async function generate(body: Record<string, unknown>) {
  const response = await request(t.server).post(`${API}/generate`).send(body).expect(201);
  return response.body as ImageDto;
}

const fileOf = (url: string) => getBytes(t.server, url);

describe('POST /images/generate', () => {
  it('stores a real WebP and a thumbnail of the stated sizes and answers the Image object', async () => {
    const image = await generate({ prompt: '  a dwarf paladin in a torch-lit crypt ', style: 'oil painting', itemId: 'char-42', itemType: 'character' });

    expect(image).toMatchObject({
      prompt: 'a dwarf paladin in a torch-lit crypt',
      style: 'oil painting',
      itemId: 'char-42',
      itemType: 'character',
      featured: false,
      source: 'local',
      model: null,
      width: 1024,
      height: 1024,
      urls: { full: `${API}/${image.id}/full`, thumbnail: `${API}/${image.id}/thumbnail` },
    });
    expect(image.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(image.createdAt).toISOString()).toBe(image.createdAt);

    const full = await fileOf(image.urls.full);
    const fullMeta = await sharp(full.body).metadata();
    expect(fullMeta).toMatchObject({ format: 'webp', width: 1024, height: 1024 });
    expect(full.body.length).toBe(image.sizeBytes);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(full.body).digest('hex')).toBe(image.contentHash);

    const thumbnail = await fileOf(image.urls.thumbnail);
    const thumbMeta = await sharp(thumbnail.body).metadata();
    // 1:1 fits inside 200×150 as 150×150.
    expect(thumbMeta).toMatchObject({ format: 'webp', width: 150, height: 150 });
    expect([image.thumbnailWidth, image.thumbnailHeight]).toEqual([150, 150]);

    expect(await t.storedFiles()).toEqual(expect.arrayContaining([`full/${image.id}.webp`, `thumbnails/${image.id}.webp`]));
  });

  it('draws at the size Gemini answers for the aspect ratio', async () => {
    const image = await generate({ prompt: 'a wide vista of the Sword Coast', aspectRatio: '16:9' });
    expect([image.width, image.height]).toEqual([1344, 768]);
    expect([image.thumbnailWidth, image.thumbnailHeight]).toEqual([200, 114]);
  });

  it('is deterministic for the local provider: same prompt and ratio, same pixels', async () => {
    const [a, b] = [await generate({ prompt: 'an owlbear at dawn' }), await generate({ prompt: 'an owlbear at dawn' })];
    expect(a.id).not.toBe(b.id);
    expect(a.contentHash).toBe(b.contentHash);
    const c = await generate({ prompt: 'an owlbear at dusk' });
    expect(c.contentHash).not.toBe(a.contentHash);
  });

  it.each([
    [{}, 'prompt must be a string'],
    [{ prompt: '' }, 'prompt must be longer than or equal to 3'],
    [{ prompt: '   ' }, 'prompt must be longer than or equal to 3'],
    [{ prompt: 'x'.repeat(2001) }, 'shorter than or equal to 2000'],
    [{ prompt: 42 }, 'prompt must be a string'],
    [{ prompt: 'a valid prompt', aspectRatio: '7:5' }, 'aspectRatio must be one of: 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9'],
    [{ prompt: 'a valid prompt', colour: 'red' }, 'property colour should not exist'],
    [{ prompt: 'a valid prompt', style: 7 }, 'style must be a string'],
  ])('rejects %j with 400 naming the field', async (body, message) => {
    const before = await t.storedFiles();
    const response = await request(t.server).post(`${API}/generate`).send(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.message.join('\n')).toContain(message);
    expect(await t.storedFiles()).toEqual(before);
  });

  it('rejects malformed JSON with 400 and a body over the limit with 413', async () => {
    const malformed = await request(t.server).post(`${API}/generate`).set('Content-Type', 'application/json').send('{"prompt": ').expect(400);
    expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });

    const huge = await request(t.server).post(`${API}/generate`).send({ prompt: 'x'.repeat(1_100_000) }).expect(413);
    expect(huge.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    expect(huge.body.message).toMatch(/limit for this route is 1048576 bytes/);
  });
});

describe('concurrent generations', () => {
  it('all succeed (on SQLite, writes are serialised on the shared connection)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => request(t.server).post(`${API}/generate`).send({ prompt: `crowd scene ${i}`, itemType: 'crowd' })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(12).fill(201));
    const listed = await request(t.server).get(`${API}/search`).query({ itemType: 'crowd', pageSize: 100 }).expect(200);
    expect(listed.body.total).toBe(12);
  });
});

describe('MAX_IMAGES_PER_ITEM (3 here)', () => {
  it('soft-deletes the oldest non-featured image of the item, and answers 409 when all are featured', async () => {
    const made: ImageDto[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(await generate({ prompt: `goblin portrait ${i}`, itemId: 'npc-7' }));
      t.clock.advance(1000);
    }
    // Feature the oldest: the next eviction must skip it and take the second oldest.
    await request(t.server).put(`${API}/${made[0].id}/feature`).send({ featured: true }).expect(200);
    const fourth = await generate({ prompt: 'goblin portrait 3', itemId: 'npc-7' });

    await request(t.server).get(`${API}/${made[1].id}`).expect(404);
    const active = await request(t.server).get(`${API}/search`).query({ itemId: 'npc-7', sort: 'oldest' }).expect(200);
    expect(active.body.items.map((image: { id: string }) => image.id)).toEqual([made[0].id, made[2].id, fourth.id]);

    for (const image of [made[2], fourth]) {
      await request(t.server).put(`${API}/${image.id}/feature`).send({ featured: true }).expect(200);
    }
    const filesBefore = await t.storedFiles();
    const conflict = await request(t.server).post(`${API}/generate`).send({ prompt: 'goblin portrait 4', itemId: 'npc-7' }).expect(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    expect(conflict.body.message).toContain('npc-7');
    expect(conflict.body.message).toContain('MAX_IMAGES_PER_ITEM');
    expect(await t.storedFiles()).toEqual(filesBefore);
  });
});

describe('GET /images/:id and files', () => {
  let image: ImageDto;
  beforeAll(async () => {
    image = await generate({ prompt: 'a lich on a throne of bone' });
  });

  it('answers the Image object', async () => {
    const response = await request(t.server).get(`${API}/${image.id}`).expect(200);
    expect(response.body).toEqual(image);
  });

  it('answers 400 for a non-uuid id and 404 for an unknown one', async () => {
    const bad = await request(t.server).get(`${API}/not-a-uuid`).expect(400);
    expect(bad.body.message).toBe('id must be a UUID');
    await request(t.server).get(`${API}/not-a-uuid/full`).expect(400);
    const unknown = await request(t.server).get(`${API}/6f1c1a52-8d8f-4d4e-9a53-5b2f8a2b9c11`).expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it.each(['full', 'thumbnail'] as const)('serves the %s file immutable, with a strong ETag and 304', async (variant) => {
    const response = await fileOf(image.urls[variant]);
    expect(response.headers['content-type']).toBe('image/webp');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const etag = response.headers.etag;
    expect(etag).toMatch(/^"[0-9a-f]{64}(-thumbnail)?"$/);
    expect(etag.startsWith(`"${image.contentHash}`)).toBe(true);

    const notModified = await request(t.server).get(image.urls[variant]).set('If-None-Match', etag).expect(304);
    expect(notModified.headers.etag).toBe(etag);
    expect(notModified.text ?? '').toBe('');
    await request(t.server).get(image.urls[variant]).set('If-None-Match', `"other", W/${etag}`).expect(304);
    await request(t.server).get(image.urls[variant]).set('If-None-Match', '"something-else"').expect(200);
  });

  it('gives the full image and its thumbnail different ETags', async () => {
    const [full, thumbnail] = await Promise.all([fileOf(image.urls.full), fileOf(image.urls.thumbnail)]);
    expect(full.headers.etag).not.toBe(thumbnail.headers.etag);
  });
});

describe('file cache and its pre-Express fast path', () => {
  /** Every header but the date: a hit must be indistinguishable from the route's answer. */
  // Each answer has its own date and request id (both paths set one; test/e2e/request-logging checks it).
  const headersOf = (response: request.Response) => Object.fromEntries(Object.entries(response.headers).filter(([name]) => name !== 'date' && name !== 'x-request-id'));
  const fromGame = (url: string) => request(t.server).get(url).set('Origin', 'http://localhost:8080').buffer(true);

  it('answers a cached file exactly as the Nest route does: body, every header (security, CORS), 304 and HEAD', async () => {
    const image = await generate({ prompt: 'a halfling rogue on a rooftop' });
    const first = await fromGame(image.urls.full).expect(200); // a miss: the Nest route, which fills the cache
    expect(first.headers['content-security-policy']).toBeDefined(); // helmet ran
    expect(first.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    // The row goes behind the cache's back: only the cache can answer now.
    await t.dataSource.getRepository(ImageEntity).update(image.id, { deletedAt: new Date() });
    const second = await fromGame(image.urls.full).expect(200);
    expect(headersOf(second)).toEqual(headersOf(first));
    expect(Buffer.from(second.body).equals(Buffer.from(first.body))).toBe(true);
    await t.dataSource.getRepository(ImageEntity).update(image.id, { deletedAt: null });

    await request(t.server).get(image.urls.full).set('If-None-Match', first.headers.etag).expect(304);
    const head = await request(t.server).head(image.urls.full).expect(200);
    expect(head.headers['content-length']).toBe(String(image.sizeBytes));

    const metrics = (await request(t.server).get('/metrics')).text;
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/images\/:id\/full",status="200"\} \d+/);
  });

  it('stops serving a deleted image at once', async () => {
    const image = await generate({ prompt: 'a doomed wizard' });
    await fileOf(image.urls.thumbnail);
    await fileOf(image.urls.thumbnail);
    await request(t.server).delete(`${API}/${image.id}`).expect(204);
    await request(t.server).get(image.urls.thumbnail).expect(404);
  });

  it('notices a delete made elsewhere (another replica) within the cache TTL', async () => {
    const image = await generate({ prompt: 'a wizard on another server' });
    await fileOf(image.urls.full);
    await t.dataSource.getRepository(ImageEntity).update(image.id, { deletedAt: new Date() });
    await fileOf(image.urls.full); // still fresh in this process's cache
    t.clock.advance(60_001);
    await request(t.server).get(image.urls.full).expect(404);
  });
});

describe('PUT /images/:id/feature', () => {
  it('toggles with no body and sets idempotently with one', async () => {
    const image = await generate({ prompt: 'a beholder in the Underdark' });
    const url = `${API}/${image.id}/feature`;
    expect((await request(t.server).put(url).expect(200)).body.featured).toBe(true);
    expect((await request(t.server).put(url).expect(200)).body.featured).toBe(false);
    expect((await request(t.server).put(url).send({ featured: true }).expect(200)).body.featured).toBe(true);
    expect((await request(t.server).put(url).send({ featured: true }).expect(200)).body.featured).toBe(true);
    expect((await request(t.server).get(`${API}/${image.id}`).expect(200)).body.featured).toBe(true);

    const bad = await request(t.server).put(url).send({ featured: 'yes' }).expect(400);
    expect(bad.body.message).toEqual(['featured must be a boolean value']);
    await request(t.server).put(`${API}/6f1c1a52-8d8f-4d4e-9a53-5b2f8a2b9c11/feature`).expect(404);
  });
});

describe('DELETE /images/:id', () => {
  it('soft-deletes: 204, then 404 everywhere, gone from search, files kept for cleanup', async () => {
    const image = await generate({ prompt: 'a mimic pretending to be a chest' });
    await request(t.server).delete(`${API}/${image.id}`).expect(204);

    await request(t.server).get(`${API}/${image.id}`).expect(404);
    await request(t.server).get(image.urls.full).expect(404);
    await request(t.server).get(image.urls.thumbnail).expect(404);
    await request(t.server).put(`${API}/${image.id}/feature`).expect(404);
    await request(t.server).delete(`${API}/${image.id}`).expect(404);
    const search = await request(t.server).get(`${API}/search`).query({ q: 'mimic' }).expect(200);
    expect(search.body.total).toBe(0);
    expect(await t.storedFiles()).toContain(`full/${image.id}.webp`);
  });
});
