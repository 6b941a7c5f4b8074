import request from 'supertest';
import { SceneCacheCounters, SceneCacheEntry } from '../../src/scenes/scene-cache-entry.entity.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('writes buffered hit counts to the database when the app shuts down', async () => {
  const scene = () => request(t.server).post('/api/v2/scenes/generate').send({ description: 'a lighthouse in a storm' }).expect(200);
  const first = await scene();
  for (let i = 0; i < 3; i++) await scene();
  await t.app.close();

  const database = await t.connectAgain();
  try {
    const entry = await database.getRepository(SceneCacheEntry).findOneByOrFail({ cacheKey: first.body.cacheKey });
    const counters = await database.getRepository(SceneCacheCounters).findOneByOrFail({ id: 1 });
    expect(entry.hitCount).toBe(3);
    expect(counters).toMatchObject({ hits: 3, misses: 1 });
  } finally {
    await database.destroy();
  }
});
