import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

// Time in the window is the app's clock: a test moves it, so a slow machine changes nothing.
const WINDOW_SECONDS = 60;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    env: {
      RATE_LIMIT_ENABLED: 'true',
      // Requests come from 127.0.0.1; X-Forwarded-For then names the client, as behind nginx.
      TRUST_PROXY: 'true',
      MAX_REQUESTS_PER_MINUTE: '3',
      SCENE_REQUESTS_PER_MINUTE: '2',
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
  });
});
afterAll(() => t.close());

/** Each test acts as its own client, so the counts of one never leak into another. */
const client = (ip: string) => ({
  generate: () => request(t.server).post('/api/v2/images/generate').set('X-Forwarded-For', ip).send({ prompt: 'a kobold trap corridor' }),
  scene: () => request(t.server).post('/api/v2/scenes/generate').set('X-Forwarded-For', ip).send({ description: 'a misty bog at dusk' }),
  get: (url: string) => request(t.server).get(url).set('X-Forwarded-For', ip),
});


async function exhaustImages(ip: string) {
  const c = client(ip);
  for (let i = 0; i < 3; i++) await c.generate().expect(201);
  return c.generate().expect(429);
}

describe('POST /images/generate rate limit', () => {
  it('counts down in X-RateLimit-* headers on every allowed answer', async () => {
    const c = client('203.0.113.1');
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await c.generate().expect(201);
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(WINDOW_SECONDS);
      // One limit per route: the plain names, never throttler's per-name `-images` variants.
      expect(Object.keys(response.headers).filter((name) => /ratelimit|retry-after/i.test(name)).sort()).toEqual([
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ]);
      remaining.push(response.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
  });

  it('answers the next one with 429, Retry-After and a message saying when to try again', async () => {
    const before = (await client('203.0.113.2').get('/api/v2/images/search').expect(200)).body.total;
    const refused = await exhaustImages('203.0.113.2');

    const retryAfter = refused.headers['retry-after'];
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(refused.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many image generation requests: at most 3 per ${WINDOW_SECONDS} s per client. Try again in ${retryAfter} s.`,
    });
    // Refused before any work: no image was drawn or stored.
    expect((await client('203.0.113.2').get('/api/v2/images/search').expect(200)).body.total).toBe(before + 3);
  });

  it('limits each client separately', async () => {
    await exhaustImages('203.0.113.3');
    const other = await client('198.51.100.7').generate().expect(201);
    expect(other.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('counts edits and v1’s generate against the same limit: each is a paid generation', async () => {
    const c = client('203.0.113.7');
    const source = (await c.generate().expect(201)).body.id as string;
    const edit = () => request(t.server).post(`/api/v2/images/${source}/edit`).set('X-Forwarded-For', '203.0.113.7').send({ instruction: 'at night' });
    await edit().expect(201);
    await c.generate().expect(201);
    const refused = await edit().expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
    await request(t.server)
      .post('/api/v1/images/generate')
      .set('X-Forwarded-For', '203.0.113.7')
      .send({ subject_type: 'scene', subject_name: 'Trap', prompt: 'A kobold trap corridor with spikes.' })
      .expect(429);
  });

  it('never limits reads, even for a client past its limit', async () => {
    await exhaustImages('203.0.113.4');
    const c = client('203.0.113.4');
    const { items } = (await c.get('/api/v2/images/search').expect(200)).body as { items: Array<{ id: string; urls: { thumbnail: string } }> };
    for (let i = 0; i < 10; i++) {
      const responses = [
        await c.get('/api/v2/images/search').expect(200),
        await c.get(`/api/v2/images/${items[0].id}`).expect(200),
        await c.get(items[0].urls.thumbnail).expect(200),
        await c.get('/api/v2/scenes/cache/stats').expect(200),
        await c.get('/health').expect(200),
      ];
      for (const response of responses) expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
    await c.generate().expect(429);
  });

  it('lets the client in again once Retry-After has passed', async () => {
    const refused = await exhaustImages('203.0.113.5');
    t.clock.advance(Number(refused.headers['retry-after']) * 1000 - 1000);
    await client('203.0.113.5').generate().expect(429); // a second early
    t.clock.advance(1000);
    await client('203.0.113.5').generate().expect(201);
  });
});

describe('POST /scenes/generate rate limit', () => {
  it('has its own limit, independent of the images one', async () => {
    const c = client('203.0.113.6');
    const first = await c.scene().expect(200);
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1' });
    await c.scene().expect(200);
    const refused = await c.scene().expect(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.body.message).toBe(
      `Too many scene generation requests: at most 2 per ${WINDOW_SECONDS} s per client. Try again in ${refused.headers['retry-after']} s.`,
    );

    // Using up scenes leaves this client's image allowance whole, and the other way round.
    expect((await c.generate().expect(201)).headers['x-ratelimit-remaining']).toBe('2');
    await exhaustImages('203.0.113.7');
    expect((await client('203.0.113.7').scene().expect(200)).headers['x-ratelimit-remaining']).toBe('1');
  });
});
