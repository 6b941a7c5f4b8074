import request from 'supertest';
import type { FakeGeminiServer } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import type { TestApp } from '../support/test-app.js';

/**
 * Idempotency-Key on the generating routes of both versions, through the real app and SDK
 * against the fake Gemini server: a retry is answered from its first try's job, and the
 * provider is called once.
 */
let t: TestApp;
let gemini: FakeGeminiServer;
let keys = 0;
const newKey = () => `retry-test-${++keys}`;
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  ({ t, gemini } = await createGeminiTestApp({ RATE_LIMIT_ENABLED: 'false' }));
});
afterAll(async () => {
  await t.close();
  await gemini.close();
});
beforeEach(() => gemini.reset());

const generate = (key: string, body: object) => request(t.server).post('/api/v2/images/generate').set('Idempotency-Key', key).send(body);

it('answers a retry with the same key and request with the first answer, calling the model once', async () => {
  const key = newKey();
  const first = await generate(key, { prompt: 'a dwarf smith at the forge', style: 'ink' }).expect(201);
  // The same request with its fields in another order is the same request.
  const retry = await generate(key, { style: 'ink', prompt: 'a dwarf smith at the forge' }).expect(201);
  expect(retry.body).toEqual(first.body);
  expect(gemini.requests).toHaveLength(1);
});

it('refuses the same key with another request (422), and a malformed key (400)', async () => {
  const key = newKey();
  await generate(key, { prompt: 'an elven archer' }).expect(201);
  const reused = await generate(key, { prompt: 'an orc archer' }).expect(422);
  expect(reused.body.message).toBe(`Idempotency-Key "${key}" was used within the last 24 h for a different request; use a new key for a new request`);
  const malformed = await generate('x'.repeat(256), { prompt: 'an elven archer' }).expect(400);
  expect(malformed.body.message).toBe('Idempotency-Key must be 1 to 255 visible ASCII characters (a new UUID per request is a good choice)');
  await generate('two words', { prompt: 'an elven archer' }).expect(400);
  expect(gemini.requests).toHaveLength(1);
});

it('makes a retry wait for a first try still running; an asynchronous retry gets 409 with Retry-After', async () => {
  let answer!: () => void;
  gemini.enqueue({ kind: 'image', until: new Promise<void>((resolve) => (answer = resolve)) });
  const key = newKey();
  const body = { prompt: 'a lich on a bone throne' };
  const first = generate(key, body).then((response) => response);
  await gemini.waitForRequests(1);

  const asynchronous = await generate(key, body).set('Prefer', 'respond-async').expect(409);
  expect(asynchronous.headers['retry-after']).toBe('5');
  expect(asynchronous.body.message).toMatch(/^The job for this Idempotency-Key \(\S+\) is running; follow it at GET \/api\/v2\/jobs\//);

  const waiting = generate(key, body).then((response) => response);
  answer();
  const [a, b] = await Promise.all([first, waiting]);
  expect(a.status).toBe(201);
  expect(b.status).toBe(201);
  expect(b.body.id).toBe(a.body.id);
  expect(gemini.requests).toHaveLength(1);
});

it('runs a retry again when the first try failed: nothing was made', async () => {
  gemini.enqueue({ kind: 'error', code: 500, status: 'INTERNAL' }, { kind: 'error', code: 500, status: 'INTERNAL' });
  const key = newKey();
  await generate(key, { prompt: 'a storm giant' }).expect(503);
  const retry = await generate(key, { prompt: 'a storm giant' }).expect(201);
  expect(retry.body.prompt).toBe('a storm giant');
  expect(gemini.requests).toHaveLength(3); // two failed tries (one retry each), then one that drew
});

it('forgets a key after 24 hours', async () => {
  const key = newKey();
  const first = await generate(key, { prompt: 'a paladin at dawn' }).expect(201);
  t.clock.advance(24 * HOUR_MS);
  const later = await generate(key, { prompt: 'a paladin at dawn' }).expect(201);
  expect(later.body.id).not.toBe(first.body.id);
  expect(gemini.requests).toHaveLength(2);
});

it('holds on the old contract’s routes and on scenes: one drawing per key', async () => {
  const key = newKey();
  const v1 = () => request(t.server).post('/api/v1/images/generate').set('Idempotency-Key', key).send({ prompt: 'a halfling rogue', subject_name: 'Pip', subject_type: 'character' }).expect(200);
  const [a, b] = [await v1(), await v1()];
  expect(b.body.id).toBe(a.body.id);

  const sceneKey = newKey();
  const scene = () => request(t.server).post('/api/v2/scenes/generate').set('Idempotency-Key', sceneKey).send({ description: 'a moonlit harbour' }).expect(200);
  const first = await scene();
  const retry = await scene();
  // The retry is the first try's answer (a miss that drew), not a cache hit since.
  expect(retry.headers['x-cache']).toBe('MISS');
  expect(retry.body).toEqual(first.body);
  expect(gemini.requests).toHaveLength(2);
});
