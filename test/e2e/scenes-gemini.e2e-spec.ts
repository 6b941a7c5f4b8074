import request from 'supertest';
import type { FakeGeminiServer } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import type { TestApp } from '../support/test-app.js';

let t: TestApp;
let gemini: FakeGeminiServer;

beforeAll(async () => {
  ({ t, gemini } = await createGeminiTestApp({ GEMINI_DAILY_IMAGE_LIMIT: '3', RATE_LIMIT_ENABLED: 'false' }));
});
beforeEach(() => gemini.reset());
afterAll(async () => {
  await t.close();
  await gemini.close();
});

const scene = (description: string) => request(t.server).post('/api/v2/scenes/generate').send({ description });

describe('single flight', () => {
  it('makes one provider call for twenty concurrent identical requests, and all get the same image', async () => {
    gemini.setDefault({ kind: 'image', delayMs: 300 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => scene('the dragon’s hoard, glittering')));

    expect(gemini.requests).toHaveLength(1);
    expect(JSON.stringify(gemini.requests[0].body.contents)).toContain('fantasy tabletop role-playing scene');
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(new Set(responses.map((response) => response.body.image.id)).size).toBe(1);
    expect(responses.every((response) => response.headers['x-cache'] === 'MISS')).toBe(true);

    const metrics = (await request(t.server).get('/metrics')).text;
    expect(metrics).toMatch(/scene_single_flight_joins_total 19\n/);
    await scene('the dragon’s hoard, glittering').expect(200).expect('X-Cache', 'HIT');
    expect(gemini.requests).toHaveLength(1);
  });

  it('hands a failure to every waiter and stores no entry', async () => {
    gemini.setDefault({ kind: 'finish', finishReason: 'IMAGE_SAFETY', delayMs: 300 });
    const entriesBefore = (await request(t.server).get('/api/v2/scenes/cache/stats')).body.entries;
    const responses = await Promise.all(Array.from({ length: 5 }, () => scene('a forbidden ritual in the catacombs')));

    expect(gemini.requests).toHaveLength(1);
    expect(responses.map((response) => response.status)).toEqual(Array(5).fill(422));
    expect(responses.every((response) => response.body.reason === 'IMAGE_SAFETY')).toBe(true);
    expect((await request(t.server).get('/api/v2/scenes/cache/stats')).body.entries).toBe(entriesBefore);

    gemini.setDefault({ kind: 'image' });
    await scene('a forbidden ritual in the catacombs').expect(200).expect('X-Cache', 'MISS');
    expect(gemini.requests).toHaveLength(2);
  });
});

describe('GEMINI_DAILY_IMAGE_LIMIT (3 here)', () => {
  const imagesToday = async () => Number(/gemini_images_today (\d+)/.exec((await request(t.server).get('/metrics')).text)?.[1]);

  it('answers 503 naming the cap and its reset once reached; cache hits still work; resets next UTC day', async () => {
    t.clock.advance(22 * 3_600_000); // 22:00 UTC on the test clock's day
    await scene('the dragon’s hoard, glittering').expect(200); // a cached scene (drawn now if this runs alone)
    while ((await imagesToday()) < 3) {
      await request(t.server).post('/api/v2/images/generate').send({ prompt: 'using up today’s images' }).expect(201);
    }
    gemini.reset();

    const capped = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'one too many' }).expect(503);
    expect(capped.body.message).toContain('GEMINI_DAILY_IMAGE_LIMIT=3');
    expect(capped.body.message).toContain('resets at 2026-01-02T00:00:00.000Z');
    expect(capped.headers['retry-after']).toBe('7200');
    await scene('a brand new scene').expect(503);
    await scene('the dragon’s hoard, glittering').expect(200).expect('X-Cache', 'HIT');
    expect(gemini.requests).toHaveLength(0); // nothing reached Gemini once the cap was hit
    expect(await imagesToday()).toBe(3);

    t.clock.advance(2 * 3_600_000);
    await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a new day' }).expect(201);
  });
});
