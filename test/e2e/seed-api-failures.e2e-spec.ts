import request from 'supertest';
import { type FakeGeminiServer, geminiError } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Where the old backend answered every failure with a 500, /api/v1 keeps its error body and
 * says what really happened: the old game reads `detail.message` and stops asking on a 429.
 */
const TAVERN = { subject_type: 'scene', subject_name: 'Test Tavern', prompt: 'A cozy medieval tavern interior with wooden tables and a fireplace.' };

describe('provider failures through the real SDK', () => {
  let t: TestApp;
  let gemini: FakeGeminiServer;
  beforeAll(async () => {
    ({ t, gemini } = await createGeminiTestApp({ GEMINI_TIMEOUT_MS: '2000', GEMINI_DAILY_IMAGE_LIMIT: '2' }));
  });
  beforeEach(() => gemini.reset());
  afterAll(async () => {
    await t.close();
    await gemini.close();
  });

  const generate = () => request(t.server).post('/api/v1/images/generate').send(TAVERN);

  it('a safety refusal is 422 with Gemini’s reason in detail.message, and stores nothing', async () => {
    gemini.enqueue({ kind: 'blocked', blockReason: 'PROHIBITED_CONTENT' });
    const response = await generate().expect(422);
    expect(response.body).toEqual({ detail: { status: 'error', code: 422, message: expect.stringMatching(/PROHIBITED_CONTENT/), detail: 'PROHIBITED_CONTENT' } });
    expect(await t.storedFiles()).toEqual([]);
  });

  it('Gemini’s quota is 429 with Retry-After when it lasts past the job’s deadline (the game then stops asking)', async () => {
    // A shorter wait is waited out by the job (see jobs.e2e-spec); this one would end after JOB_DEADLINE_SECONDS.
    gemini.enqueue(geminiError.quota('1000s'));
    const response = await generate().expect(429);
    expect(response.headers['retry-after']).toBe('1000');
    expect(response.body.detail).toMatchObject({ status: 'error', code: 429, message: expect.stringMatching(/quota/i) });
  });

  it('an unavailable provider is 503 with Retry-After; a slow one 504', async () => {
    gemini.enqueue(geminiError.unavailable(), geminiError.unavailable());
    const unavailable = await generate().expect(503);
    expect(unavailable.headers['retry-after']).toBe('30');
    expect(unavailable.body.detail).toMatchObject({ code: 503, message: expect.stringMatching(/unavailable/i) });
    gemini.enqueue({ kind: 'image', delayMs: 5000 });
    expect((await generate().expect(504)).body.detail).toMatchObject({ code: 504, message: expect.stringMatching(/did not answer within 2000 ms/) });
  });

  it('the daily image cap is 429 with Retry-After, on images and scenes alike', async () => {
    await generate().expect(200);
    await generate().expect(200);
    const capped = await generate().expect(429);
    expect(Number(capped.headers['retry-after'])).toBeGreaterThan(0);
    expect(capped.body.detail.message).toMatch(/GEMINI_DAILY_IMAGE_LIMIT=2/);
    const scene = await request(t.server).post('/api/v1/scenes/generate').query({ location: 'Capped Cave' }).expect(429);
    expect(scene.body.detail.code).toBe(429);
  });
});

describe('rate limits, as the old backend had them', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'true', TRUST_PROXY: 'true' } });
  });
  afterAll(() => t.close());

  it('the 11th image and the 6th scene in a minute get 429 with Retry-After, in the old body', async () => {
    const as = (ip: string) => (test: request.Test) => test.set('X-Forwarded-For', ip);
    const player = as('198.51.100.7');
    for (let i = 0; i < 10; i++) await player(request(t.server).post('/api/v1/images/generate').send(TAVERN)).expect(200);
    const limited = await player(request(t.server).post('/api/v1/images/generate').send(TAVERN)).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toEqual({ detail: { status: 'error', code: 429, message: expect.stringMatching(/at most 10 per 60 s/) } });

    const scenes = as('198.51.100.8');
    for (let i = 0; i < 5; i++) await scenes(request(t.server).post('/api/v1/scenes/generate').query({ location: `Town ${i}` })).expect(200);
    expect((await scenes(request(t.server).post('/api/v1/scenes/generate').query({ location: 'Town 5' })).expect(429)).body.detail.code).toBe(429);
  });
});

describe('admin routes with ADMIN_API_KEY set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_API_KEY: 'correct horse battery staple' } });
  });
  afterAll(() => t.close());

  it.each([
    ['POST', '/api/v1/maintenance/cleanup/expired-cache'],
    ['POST', '/api/v1/maintenance/cleanup/orphaned-images'],
    ['GET', '/api/v1/maintenance/stats'],
    ['DELETE', '/api/v1/scenes/cache/clear'],
    ['POST', '/api/v1/migrate/from-localstorage'],
  ])('%s %s needs the key: 401 without, 403 with a wrong one, in the old body', async (method, path) => {
    const call = () => request(t.server)[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
    expect((await call().expect(401)).body).toEqual({ detail: { status: 'error', code: 401, message: expect.stringMatching(/ADMIN_API_KEY/) } });
    expect((await call().set('X-Admin-Key', 'wrong').expect(403)).body.detail.code).toBe(403);
    // With the key the guard lets the request through (the import then asks for a body).
    await call().set('Authorization', 'Bearer correct horse battery staple').expect((response) => expect([200, 400]).toContain(response.status));
  });

  it('an allowed CORS origin grants no admin rights', async () => {
    await request(t.server).get('/api/v1/maintenance/stats').set('Origin', 'http://localhost:8080').expect(401);
  });
});

describe('CORS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const preflight = (path: string, origin: string, method = 'POST') =>
    request(t.server).options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', 'content-type,x-custom');

  it.each(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://localhost:8000', 'http://127.0.0.1:8000', 'null'])(
    'answers preflights from the old backend’s origin %s on v1, v2 and /health: its methods, any header, no credentials',
    async (origin) => {
      for (const path of ['/api/v1/images/generate', '/api/v1/images/7/feature', '/api/v2/scenes/generate', '/health']) {
        const response = await preflight(path, origin, 'PUT').expect(204);
        expect(response.headers['access-control-allow-origin']).toBe(origin);
        expect(response.headers['access-control-allow-methods']).toBe('GET,HEAD,POST,PUT,DELETE');
        expect(response.headers['access-control-allow-headers']).toBe('content-type,x-custom');
        expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      }
      const answer = await request(t.server).get('/api/v1/images/search').set('Origin', origin).expect(200);
      expect(answer.headers['access-control-allow-origin']).toBe(origin);
      expect(answer.headers['access-control-expose-headers']).toContain('Retry-After');
    },
  );

  it('names no other origin', async () => {
    const response = await preflight('/api/v1/images/generate', 'http://evil.example').expect(204);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(t.server).get('/api/v1/images/search').set('Origin', 'http://evil.example').expect(200)).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS_ORIGINS=* lets any origin in', async () => {
    const open = await createTestApp({ env: { CORS_ORIGINS: '*' } });
    try {
      const response = await request(open.server).options('/api/v1/images/generate').set('Origin', 'https://table.example').set('Access-Control-Request-Method', 'POST').expect(204);
      expect(response.headers['access-control-allow-origin']).toBe('*');
    } finally {
      await open.close();
    }
  });
});
