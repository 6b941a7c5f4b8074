import sharp from 'sharp';
import request from 'supertest';
import { type FakeGeminiBehaviour, type FakeGeminiServer, geminiError } from '../support/fake-gemini-server.js';
import { createGeminiTestApp, TEST_GEMINI_KEY } from '../support/gemini-app.js';
import { getBytes } from '../support/http.js';
import type { TestApp } from '../support/test-app.js';

let t: TestApp;
let gemini: FakeGeminiServer;
/**
 * An app of its own with a short timeout, and replies held far past it: only the timeout can
 * end its calls, and `t` keeps the generous default, so no other case times out on a loaded
 * machine. (Both stay up until the end: the metrics registry is shared.)
 */
let slow: { t: TestApp; gemini: FakeGeminiServer };

beforeAll(async () => {
  ({ t, gemini } = await createGeminiTestApp());
  slow = await createGeminiTestApp({ GEMINI_TIMEOUT_MS: '300' });
});
beforeEach(() => gemini.reset());
afterAll(async () => {
  await Promise.all([t.close(), slow.t.close()]);
  await Promise.all([gemini.close(), slow.gemini.close()]);
});

const generate = (body: Record<string, unknown> = { prompt: 'a tiefling warlock under a blood moon' }) =>
  request(t.server).post('/api/v2/images/generate').send(body);

describe('successful generations through the real SDK', () => {
  it('stores a PNG answer as WebP, marked gemini with the model, and sends what Gemini needs', async () => {
    const response = await generate({ prompt: 'a tiefling warlock', style: 'ink sketch', aspectRatio: '3:4' }).expect(201);
    expect(response.body).toMatchObject({ source: 'gemini', model: 'gemini-3.1-flash-image', width: 864, height: 1184, style: 'ink sketch' });

    expect(gemini.requests).toHaveLength(1);
    const [sent] = gemini.requests;
    expect(sent.model).toBe('gemini-3.1-flash-image');
    expect(sent.apiKey).toBe(TEST_GEMINI_KEY);
    expect(JSON.stringify(sent.body.contents)).toContain('a tiefling warlock. Style: ink sketch');
    expect(sent.body.generationConfig).toMatchObject({ responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '3:4', imageSize: '1K' } });

    const file = await getBytes(t.server, response.body.urls.full);
    expect(await sharp(file.body).metadata()).toMatchObject({ format: 'webp', width: 864, height: 1184 });
  });

  it('stores a JPEG answer', async () => {
    gemini.enqueue({ kind: 'image', mimeType: 'image/jpeg', width: 640, height: 480 });
    const response = await generate().expect(201);
    expect([response.body.width, response.body.height]).toEqual([640, 480]);
  });

  it('retries a 429 after RetryInfo’s delay and succeeds', async () => {
    gemini.enqueue(geminiError.quota('0.05s'));
    await generate().expect(201);
    expect(gemini.requests).toHaveLength(2);
  });
});

describe('failures map to API.md statuses and leave no row and no file', () => {
  const cases: Array<[string, FakeGeminiBehaviour[], number, RegExp, Record<string, string>?]> = [
    ['IMAGE_SAFETY', [{ kind: 'finish', finishReason: 'IMAGE_SAFETY' }], 422, /refused to draw this \(IMAGE_SAFETY\)/],
    ['promptFeedback.blockReason', [{ kind: 'blocked', blockReason: 'PROHIBITED_CONTENT' }], 422, /PROHIBITED_CONTENT/],
    ['NO_IMAGE', [{ kind: 'finish', finishReason: 'NO_IMAGE' }], 502, /without an image \(NO_IMAGE/],
    ['a text-only answer', [{ kind: 'textOnly', text: 'I cannot draw that' }], 502, /without an image/],
    ['a malformed body', [{ kind: 'malformed' }], 502, /not valid JSON/],
    ['400 API_KEY_INVALID', [geminiError.apiKeyInvalid()], 503, /GEMINI_API_KEY was rejected/],
    // A 404 (a retired model) is in gemini-models.e2e-spec.ts: it changes the model for the rest of the run.
    // A 429 the job can wait out is waited out (jobs.e2e-spec); one lasting past JOB_DEADLINE_SECONDS is the route's 503.
    ['429 past the job’s deadline', [geminiError.quota('1000s')], 503, /quota/i, { 'retry-after': '1000' }],
    ['503 twice', [geminiError.unavailable(), geminiError.unavailable()], 503, /unavailable/i, { 'retry-after': '30' }],
  ];

  it.each(cases)('%s', async (_name, behaviours, status, message, headers = {}) => {
    const filesBefore = await t.storedFiles();
    const countBefore = await t.dataSource.query('SELECT COUNT(*) AS n FROM images');
    gemini.enqueue(...behaviours);

    const response = await generate({ prompt: 'a forbidden ritual', itemId: 'char-9' }).expect(status);
    expect(response.body.statusCode).toBe(status);
    expect(response.body.message).toMatch(message);
    expect(response.body.message).not.toContain(TEST_GEMINI_KEY);
    for (const [name, value] of Object.entries(headers)) expect(response.headers[name]).toBe(value);
    if (status === 422) expect(typeof response.body.reason).toBe('string');

    expect(await t.storedFiles()).toEqual(filesBefore);
    expect(await t.dataSource.query('SELECT COUNT(*) AS n FROM images')).toEqual(countBefore);
  });

  it('a reply slower than GEMINI_TIMEOUT_MS: 504, nothing stored', async () => {
    slow.gemini.setDefault({ kind: 'image', delayMs: 600_000 });
    const response = await request(slow.t.server).post('/api/v2/images/generate').send({ prompt: 'a forbidden ritual' }).expect(504);
    expect(response.body.message).toMatch(/did not answer within 300 ms/);
    expect(await slow.t.storedFiles()).toEqual([]);
  });

  it('counts outcomes in /metrics', async () => {
    const metrics = (await request(t.server).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/image_generations_total\{source="gemini",outcome="refused"\} 2\n/);
    expect(metrics).toMatch(/image_generations_total\{source="gemini",outcome="timeout"\} 1\n/);
  });
});
