import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

const KEY = 'a-long-admin-key-for-tests';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { ADMIN_API_KEY: KEY } });
});
afterAll(() => t.close());

const clear = () => request(t.server).delete('/api/v2/scenes/cache/clear');

describe('admin routes with ADMIN_API_KEY set', () => {
  it('answer 401 without a key, even from loopback, saying how to send one', async () => {
    const response = await clear().expect(401);
    expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(response.body.message).toContain('Authorization: Bearer <key>');
  });

  it.each([
    ['Authorization', `Bearer ${KEY}x`],
    ['Authorization', 'Bearer short'],
    ['X-Admin-Key', KEY.toUpperCase()],
  ])('answer 403 to a wrong key in %s', async (header, value) => {
    const response = await clear().set(header, value).expect(403);
    expect(response.body.message).toBe('The admin key is not valid');
  });

  it.each([
    ['Authorization', `Bearer ${KEY}`],
    ['Authorization', `bearer   ${KEY}`],
    ['X-Admin-Key', KEY],
  ])('accept the right key in %s', async (header, value) => {
    await clear().set(header, value).expect(200);
  });

  it.each([
    ['POST', '/api/v2/maintenance/cleanup/expired-cache'],
    ['POST', '/api/v2/maintenance/cleanup/orphaned-images'],
    ['GET', '/api/v2/maintenance/stats'],
    ['POST', '/api/v2/maintenance/backup'],
    ['GET', '/api/v2/maintenance/backups'],
  ])('guard %s %s as well (401 without, 403 wrong, 2xx right)', async (method, path) => {
    const call = () => (method === 'POST' ? request(t.server).post(path) : request(t.server).get(path));
    await call().expect(401);
    await call().set('X-Admin-Key', 'wrong').expect(403);
    const allowed = await call().set('Authorization', `Bearer ${KEY}`);
    expect([200, 201]).toContain(allowed.status);
  });

  it('leave public routes alone', async () => {
    await request(t.server).get('/api/v2/scenes/cache/stats').expect(200);
  });

  it('are documented with both security schemes', async () => {
    const document = (await request(t.server).get('/docs-json')).body;
    expect(Object.keys(document.components.securitySchemes)).toEqual(expect.arrayContaining(['admin-bearer', 'admin-key']));
    const clearRoute = document.paths['/api/v2/scenes/cache/clear'].delete;
    expect(clearRoute.security).toEqual(expect.arrayContaining([{ 'admin-bearer': [] }, { 'admin-key': [] }]));
    expect(Object.keys(clearRoute.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
  });
});
