import Database from 'better-sqlite3';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('writes buffered hit counts to the database when the app shuts down', async () => {
  const scene = () => request(t.server).post('/api/v1/scenes/generate').send({ description: 'a lighthouse in a storm' }).expect(200);
  const first = await scene();
  for (let i = 0; i < 3; i++) await scene();
  await t.app.close();

  const db = new Database(join(t.dir, 'test.db'), { readonly: true });
  try {
    const entry = db.prepare('SELECT hit_count FROM scene_cache WHERE cache_key = ?').get(first.body.cacheKey);
    const counters = db.prepare('SELECT hits, misses FROM scene_cache_counters WHERE id = 1').get();
    expect(entry).toEqual({ hit_count: 3 });
    expect(counters).toEqual({ hits: 3, misses: 1 });
  } finally {
    db.close();
  }
});
