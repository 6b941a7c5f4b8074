import { Writable } from 'node:stream';
import request from 'supertest';
import { useServiceLogger } from '../../src/app.setup.js';
import { RequestLogging } from '../../src/common/logging/request-logging.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The request log as production writes it (JSON lines, LOG_LEVEL=info), captured from the
 * real RequestLogging instead of stdout: ids taken or made and echoed, one line per request
 * with its route template, the id on a service's lines inside the request, no secrets.
 */
const ADMIN_KEY = 'request-log-admin-key-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let t: TestApp;
let written = '';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  context?: string;
  method?: string;
  url?: string;
  route?: string;
  status?: number;
  durationMs?: number;
}

const logged = (): LogLine[] =>
  written
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
const linesOf = (requestId: string) => logged().filter((line) => line.requestId === requestId);

beforeAll(async () => {
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  t = await createTestApp({
    env: { ADMIN_API_KEY: ADMIN_KEY, JOBS_ENABLED: 'true' },
    customize: (builder) => builder.overrideProvider(RequestLogging).useValue(new RequestLogging({ level: 'info', format: 'json' }, capture)),
  });
  useServiceLogger(t.app); // as main.ts does: Nest's and the services' lines go through pino too
});
afterAll(() => t.close());
beforeEach(() => {
  written = '';
});

it('keeps the caller’s X-Request-Id, echoes it, and writes one line for the request with its route template', async () => {
  const response = await request(t.server).get('/api/v2/images/search').query({ q: 'dragon' }).set('X-Request-Id', 'proxy-7f3a.42').expect(200);
  expect(response.headers['x-request-id']).toBe('proxy-7f3a.42');
  expect(linesOf('proxy-7f3a.42')).toEqual([
    expect.objectContaining({
      level: 30,
      method: 'GET',
      url: '/api/v2/images/search?q=dragon',
      route: '/api/v2/images/search',
      status: 200,
      durationMs: expect.any(Number),
      msg: expect.stringMatching(/^GET \/api\/v2\/images\/search\?q=dragon 200 \d+ ms$/),
    }),
  ]);
});

it('makes an id when there is none, or when the one given is not a plain token', async () => {
  const made = await request(t.server).get('/api/v2/images/00000000-0000-4000-8000-000000000000').expect(404);
  expect(made.headers['x-request-id']).toMatch(UUID);
  expect(linesOf(made.headers['x-request-id'])).toEqual([expect.objectContaining({ route: '/api/v2/images/:id', status: 404 })]);

  for (const forged of ['two words', 'x'.repeat(129), '{"level":60}']) {
    const replaced = await request(t.server).get('/api/v2/images/search').set('X-Request-Id', forged).expect(200);
    expect(replaced.headers['x-request-id']).toMatch(UUID);
    expect(written).not.toContain(forged);
  }
});

it('puts the request’s id on a service’s lines written while it is handled', async () => {
  await request(t.server).post('/api/v2/maintenance/jobs/orphan-cleanup/run').set('Authorization', `Bearer ${ADMIN_KEY}`).set('X-Request-Id', 'job-run-1').expect(200);
  expect(linesOf('job-run-1')).toEqual([
    expect.objectContaining({ context: 'MaintenanceJobsService', msg: expect.stringMatching(/^Job orphan-cleanup done in /) }),
    expect.objectContaining({ route: '/api/v2/maintenance/jobs/:name/run', status: 200 }),
  ]);
});

it('logs the file fast path’s cache hits like any route', async () => {
  const { id } = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a lantern in the fog' }).expect(201)).body as { id: string };
  for (const requestId of ['file-miss', 'file-hit']) {
    const response = await request(t.server).get(`/api/v2/images/${id}/full`).set('X-Request-Id', requestId).expect(200);
    expect(response.headers['x-request-id']).toBe(requestId);
  }
  const lines = logged().filter((line) => line.route === '/api/v2/images/:id/full');
  expect(lines).toEqual([
    expect.objectContaining({ requestId: 'file-miss', status: 200 }),
    expect.objectContaining({ requestId: 'file-hit', status: 200, url: `/api/v2/images/${id}/full`, msg: expect.stringMatching(/^GET \/api\/v2\/images\/\S+\/full 200 \d+ ms$/) }),
  ]);
  // The hit was answered before Express (its own line, no per-request child logger): the same fields, in the same order.
  expect(Object.keys(lines[1])).toEqual(Object.keys(lines[0]));
});

it('never logs the admin key, whichever header brings it, nor a request body', async () => {
  await request(t.server).get('/api/v2/maintenance/stats').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200);
  await request(t.server).get('/api/v2/maintenance/stats').set('X-Admin-Key', ADMIN_KEY).expect(200);
  await request(t.server).get('/api/v2/maintenance/stats').set('Authorization', 'Bearer wrong-key-but-still-a-secret').expect(403);
  await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a secret door behind the bookcase' }).expect(201);
  expect(logged().filter((line) => line.route === '/api/v2/maintenance/stats').map((line) => line.status)).toEqual([200, 200, 403]);
  for (const secret of [ADMIN_KEY, 'wrong-key-but-still-a-secret', 'a secret door']) expect(written).not.toContain(secret);
});

it('logs probes and scrapes at debug, below the default level, unless they fail', async () => {
  await request(t.server).get('/health/live').set('X-Request-Id', 'probe-1').expect(200);
  await request(t.server).get('/metrics').set('X-Request-Id', 'scrape-1').expect(200);
  expect([...linesOf('probe-1'), ...linesOf('scrape-1')]).toEqual([]);
});

it('logs a request no route takes, with its id', async () => {
  const response = await request(t.server).get('/api/v2/nowhere').set('X-Request-Id', 'lost-1').expect(404);
  expect(response.headers['x-request-id']).toBe('lost-1');
  expect(linesOf('lost-1')).toEqual([expect.objectContaining({ url: '/api/v2/nowhere', route: 'unmatched', status: 404 })]);
});
