import request from 'supertest';
import { jest } from '@jest/globals';
import { ScenesRepository } from '../../src/scenes/scenes.repository.js';
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
  // The entry's write fails after the image is stored (a full disk, through the repository).
  jest.spyOn(t.app.get(ScenesRepository), 'saveEntry').mockRejectedValueOnce(new Error('SQLITE_FULL: database or disk is full (/tmp/x.db)'));

  const response = await request(t.server).post('/api/v2/scenes/generate').send({ description: 'a scene that cannot be saved' }).expect(500);
  expect(JSON.stringify(response.body)).not.toMatch(/SQLITE|\/tmp\//);

  expect(await t.dataSource.query('SELECT id FROM images')).toEqual(rowsBefore);
  expect(await t.storedFiles()).toEqual(filesBefore);
});
