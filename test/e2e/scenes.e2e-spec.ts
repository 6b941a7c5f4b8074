import request from 'supertest';
import { ImagesService } from '../../src/images/images.service.js';
import { ScenesService } from '../../src/scenes/scenes.service.js';
import { WriteLock } from '../../src/database/write-lock.js';
import { eventually } from '../support/eventually.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 86_400_000;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { CACHE_EXPIRY_DAYS: '7', TRUST_PROXY: 'true' } });
});
afterAll(() => t.close());

const scene = (body: Record<string, unknown>) => request(t.server).post('/api/v2/scenes/generate').send(body);
const stats = async () => (await request(t.server).get('/api/v2/scenes/cache/stats').expect(200)).body;
const clear = () => request(t.server).delete('/api/v2/scenes/cache/clear');

describe('POST /scenes/generate', () => {
  beforeEach(async () => {
    await clear().expect(200);
  });

  it('misses, stores, then hits with the same image and counts hits', async () => {
    const first = await scene({ description: 'a goblin camp at night' }).expect(200).expect('X-Cache', 'MISS');
    expect(first.body).toMatchObject({ cached: false, hitCount: 0, image: { itemType: 'scene', source: 'local', prompt: 'a goblin camp at night' } });
    expect(first.body.cacheKey).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(first.body.expiresAt).getTime()).toBe(t.clock.now().getTime() + 7 * DAY_MS);

    const second = await scene({ description: 'a goblin camp at night' }).expect(200).expect('X-Cache', 'HIT');
    expect(second.body).toMatchObject({ cached: true, hitCount: 1, cacheKey: first.body.cacheKey, expiresAt: first.body.expiresAt });
    expect(second.body.image).toEqual(first.body.image);
    expect((await scene({ description: 'a goblin camp at night' }).expect(200)).body.hitCount).toBe(2);
  });

  it('normalizes the description; another style or aspect ratio is another scene', async () => {
    const base = await scene({ description: 'a dark cave' }).expect(200);
    const same = await scene({ description: '  A Dark   CAVE ' }).expect(200).expect('X-Cache', 'HIT');
    expect(same.body.cacheKey).toBe(base.body.cacheKey);

    const styled = await scene({ description: 'a dark cave', style: 'charcoal' }).expect(200).expect('X-Cache', 'MISS');
    const wide = await scene({ description: 'a dark cave', aspectRatio: '16:9' }).expect(200).expect('X-Cache', 'MISS');
    expect(new Set([base.body.cacheKey, styled.body.cacheKey, wide.body.cacheKey]).size).toBe(3);
    expect([wide.body.image.width, wide.body.image.height]).toEqual([1344, 768]);
  });

  it('expires exactly CACHE_EXPIRY_DAYS after it was stored', async () => {
    const first = await scene({ description: 'an abandoned watchtower' }).expect(200);
    t.clock.advance(7 * DAY_MS - 1);
    await scene({ description: 'an abandoned watchtower' }).expect(200).expect('X-Cache', 'HIT');
    t.clock.advance(1);
    const renewed = await scene({ description: 'an abandoned watchtower' }).expect(200).expect('X-Cache', 'MISS');
    expect(renewed.body.image.id).not.toBe(first.body.image.id);
    expect(renewed.body.hitCount).toBe(0);
    await scene({ description: 'an abandoned watchtower' }).expect(200).expect('X-Cache', 'HIT');
  });

  it('regenerates on forceRegenerate and serves the new image afterwards', async () => {
    const first = await scene({ description: 'a haunted mill' }).expect(200);
    const forced = await scene({ description: 'a haunted mill', forceRegenerate: true }).expect(200).expect('X-Cache', 'MISS');
    expect(forced.body.image.id).not.toBe(first.body.image.id);
    const next = await scene({ description: 'a haunted mill' }).expect(200).expect('X-Cache', 'HIT');
    expect(next.body.image.id).toBe(forced.body.image.id);
  });

  it('treats an entry whose image was deleted as a miss', async () => {
    const first = await scene({ description: 'a sunken temple' }).expect(200);
    await request(t.server).delete(`/api/v2/images/${first.body.image.id}`).expect(204);
    const next = await scene({ description: 'a sunken temple' }).expect(200).expect('X-Cache', 'MISS');
    expect(next.body.image.id).not.toBe(first.body.image.id);
  });

  it.each([
    [{}, 'description must be a string'],
    [{ description: '   ' }, 'description must be longer than or equal to 3'],
    [{ description: 'x'.repeat(4001) }, 'shorter than or equal to 4000'],
    [{ description: 'a quiet inn', forceRegenerate: 'yes' }, 'forceRegenerate must be true or false'],
    [{ description: 'a quiet inn', mood: 'grim' }, 'property mood should not exist'],
    [{ description: 'a quiet inn', aspectRatio: '2:1' }, 'aspectRatio must be one of'],
  ])('rejects %j with 400 naming the field', async (body, message) => {
    const response = await scene(body).expect(400);
    expect(response.body.message.join('\n')).toContain(message);
  });
});

describe('stats and clear', () => {
  it('reports exact numbers after a scripted sequence, from the database', async () => {
    await clear().expect(200);
    const start = t.clock.now();
    await scene({ description: 'scene one' }).expect(200); // miss
    t.clock.advance(1000);
    await scene({ description: 'scene two' }).expect(200); // miss
    await scene({ description: 'scene one' }).expect(200); // hit
    await scene({ description: 'SCENE ONE' }).expect(200); // hit
    await scene({ description: 'scene two' }).expect(200); // hit
    t.clock.advance(7 * DAY_MS - 500); // scene one has expired, scene two has not

    const body = await stats();
    expect(body).toMatchObject({
      entries: 2,
      activeEntries: 1,
      expiredEntries: 1,
      hits: 3,
      misses: 2,
      hitRate: 0.6,
      expiryDays: 7,
      oldestEntryAt: start.toISOString(),
      newestEntryAt: new Date(start.getTime() + 1000).toISOString(),
    });
    expect(body.totalBytes).toBeGreaterThan(0);

    const images = await request(t.server).get('/api/v2/images/search').query({ itemType: 'scene', pageSize: 100 });
    const sizes = images.body.items.filter((image: { prompt: string }) => ['scene one', 'scene two'].includes(image.prompt));
    expect(sizes).toHaveLength(2);
  });

  it('clears every entry and the counters (admin, loopback allowed without a key)', async () => {
    await scene({ description: 'scene to clear' }).expect(200);
    const before = await stats();
    expect(before.entries).toBeGreaterThan(0);
    const cleared = await clear().expect(200);
    expect(cleared.body).toEqual({ cleared: before.entries });
    expect(await stats()).toMatchObject({ entries: 0, activeEntries: 0, hits: 0, misses: 0, hitRate: 0, totalBytes: 0, oldestEntryAt: null });
    await scene({ description: 'scene to clear' }).expect(200).expect('X-Cache', 'MISS');
  });

  it('serves nothing cleared, and counts nothing for it, when hits race a clear', async () => {
    await clear().expect(200);
    await scene({ description: 'a racing scene' }).expect(200).expect('X-Cache', 'MISS');
    await scene({ description: 'a racing scene' }).expect(200).expect('X-Cache', 'HIT'); // now hot in memory
    // Its counts written now: the 1 s flush timers then have nothing to queue behind the held lock.
    await t.app.get(ScenesService).flushHits();
    await t.app.get(ImagesService).flushUses();

    // Hold the write lock so the clear's delete waits; hits meanwhile read the old entry.
    let release!: () => void;
    const lock = t.app.get(WriteLock);
    const held = lock.run(() => new Promise<void>((resolve) => (release = resolve)));
    const clearing = clear().then((response) => response);
    await eventually(() => expect(lock.pending).toBe(2)); // the clear's delete waits behind the held lock
    await scene({ description: 'a racing scene' }).expect(200).expect('X-Cache', 'HIT');
    // The 1 s flush timer may take that hit now: its write then queues behind the clear.
    const flushing = t.app.get(ScenesService).flushHits();
    release();
    await held;
    expect((await clearing).status).toBe(200);
    await flushing;

    expect(await stats()).toMatchObject({ entries: 0, hits: 0, misses: 0 });
    await scene({ description: 'a racing scene' }).expect(200).expect('X-Cache', 'MISS');
  });

  it.each(['203.0.113.7', '127.0.0.1', '127.0.0.1, 203.0.113.9'])(
    'refuses clear relayed by a proxy (X-Forwarded-For: %s) while ADMIN_API_KEY is unset, whatever it claims',
    async (forwardedFor) => {
      const response = await clear().set('X-Forwarded-For', forwardedFor).expect(403);
      expect(response.body.message).toContain('ADMIN_API_KEY');
    },
  );

  it('refuses clear with a Forwarded header too', async () => {
    await clear().set('Forwarded', 'for=127.0.0.1').expect(403);
  });

  it('counts hits and misses in /metrics', async () => {
    const count = async (result: string) => {
      const metrics = (await request(t.server).get('/metrics')).text;
      return Number(new RegExp(`scene_cache_requests_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    };
    const [hitsBefore, missesBefore] = [await count('hit'), await count('miss')];
    await scene({ description: 'a metered scene' }).expect(200);
    await scene({ description: 'a metered scene' }).expect(200);
    await scene({ description: 'a metered scene' }).expect(200);
    expect([await count('hit'), await count('miss')]).toEqual([hitsBefore + 2, missesBefore + 1]);
  });
});
