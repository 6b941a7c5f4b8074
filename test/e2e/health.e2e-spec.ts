import request from 'supertest';
import { ShutdownState } from '../../src/health/shutdown-state.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('GET /health', () => {
  it('answers Terminus’ shape and the old backend’s beside it (timestamp, checks), as its test script reads them', async () => {
    await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a lantern in the fog' }).expect(201);
    const { body } = await request(t.server).get('/health').expect(200);
    expect(body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, disk: { status: 'up', freeGb: expect.any(Number) }, images: { status: 'up', count: 1 } },
      error: {},
      details: expect.any(Object),
      timestamp: t.clock.now().toISOString(),
      checks: { database: 'ok', disk_space: { status: 'ok', free_gb: expect.any(Number) }, images: { total: 1 } },
    });
    expect(body.checks.disk_space.free_gb).toBe(body.info.disk.freeGb);
  });
});

describe('probes', () => {
  it('/health/live answers without asking anything external', async () => {
    expect((await request(t.server).get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('/health/ready checks the database, and answers 503 from the moment shutdown begins', async () => {
    const ready = (await request(t.server).get('/health/ready').expect(200)).body;
    expect(ready).toMatchObject({ status: 'ok', info: { lifecycle: { status: 'up' }, database: { status: 'up' } } });

    // What SIGTERM starts (SHUTDOWN_DRAIN_MS is the default 3000 here, but a call without a
    // signal does not wait): from now on the balancer is told to stop sending.
    await t.app.get(ShutdownState).beforeApplicationShutdown();
    const draining = (await request(t.server).get('/health/ready').expect(503)).body;
    expect(draining).toMatchObject({ status: 'error', error: { lifecycle: { status: 'down', message: 'shutting down' } } });
    // Liveness and the API itself still answer while draining.
    await request(t.server).get('/health/live').expect(200);
    await request(t.server).get('/api/v1/images/search').expect(200);
  });
});
