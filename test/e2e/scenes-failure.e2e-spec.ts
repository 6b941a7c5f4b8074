import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

it('discards the new image (row and files) when its scene entry cannot be saved', async () => {
  await request(t.server).post('/api/v2/images/generate').send({ prompt: 'an image that must survive' }).expect(201);
  const filesBefore = await t.storedFiles();
  const rowsBefore = await t.dataSource.query('SELECT id FROM images');
  // Break the entry's transaction (it also bumps the cache's counters) after the image is stored.
  await t.dataSource.query('DROP TABLE scene_cache_counters');

  const response = await request(t.server).post('/api/v2/scenes/generate').send({ description: 'a scene that cannot be saved' }).expect(500);
  expect(JSON.stringify(response.body)).not.toMatch(/scene_cache_counters|SQLITE|\/tmp\//);

  expect(await t.dataSource.query('SELECT id FROM images')).toEqual(rowsBefore);
  expect(await t.storedFiles()).toEqual(filesBefore);
});
