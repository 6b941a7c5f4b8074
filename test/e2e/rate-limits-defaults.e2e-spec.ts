import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

// The shipped defaults: 10 image and 5 scene generations per client per minute.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'true' } });
});
afterAll(() => t.close());

it('refuses the 11th image request of a minute with 429 and Retry-After', async () => {
  for (let i = 1; i <= 10; i++) {
    await request(t.server).post('/api/v2/images/generate').send({ prompt: `image number ${i}` }).expect(201);
  }
  const refused = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'image number 11' }).expect(429);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(refused.body.message).toMatch(/at most 10 per 60 s per client/);
});

it('refuses the 6th scene request of a minute, counted apart from images', async () => {
  for (let i = 1; i <= 5; i++) {
    await request(t.server).post('/api/v2/scenes/generate').send({ description: `scene number ${i}` }).expect(200);
  }
  const refused = await request(t.server).post('/api/v2/scenes/generate').send({ description: 'scene number 6' }).expect(429);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(refused.body.message).toMatch(/at most 5 per 60 s per client/);
});
