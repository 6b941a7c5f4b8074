import { once } from 'node:events';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { JobDto } from '../../src/jobs/dto/job.dto.js';
import { GenerationJobEntity } from '../../src/jobs/generation-job.entity.js';
import { GenerationJobsRepository } from '../../src/jobs/generation-jobs.repository.js';
import { WEBHOOK_SWEEP_MS } from '../../src/jobs/job-webhooks.js';
import { heldProvider } from '../support/held-provider.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * Webhooks through the real app (local provider) to a real receiver on loopback, which
 * WEBHOOK_ALLOWED_HOSTS lists by itself. Retries wait on the test's clock.
 */
const SECRET = 'webhook-test-secret-0123456789';
const WEBHOOK_ENV = { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,*.example.test', WEBHOOK_SECRET: SECRET, RATE_LIMIT_ENABLED: 'false' };
let t: TestApp;
let receiver: Server;
let receiverUrl: string;
let received: Array<{ headers: IncomingHttpHeaders; body: string }>;
/** What the receiver answers, one status per delivery; 204 once they run out. */
let answers: number[];
let deliveryArrived: (() => void) | undefined;

beforeAll(async () => {
  receiver = createServer((incoming, outgoing) => {
    let body = '';
    incoming.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    incoming.on('end', () => {
      received.push({ headers: incoming.headers, body });
      outgoing.writeHead(answers.shift() ?? 204).end();
      deliveryArrived?.();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/images`;
  t = await createTestApp({ env: WEBHOOK_ENV });
});
afterAll(async () => {
  await t.close();
  receiver.close();
});
beforeEach(() => {
  received = [];
  answers = [];
});

const deliveries = (count: number) =>
  new Promise<void>((resolve) => {
    deliveryArrived = () => received.length >= count && resolve();
    deliveryArrived();
  });
const submit = (body: object, app = t) => request(app.server).post('/api/v2/images/generate').set('Prefer', 'respond-async').send(body);

/** A job's webhook delivery as GET /jobs/{id} shows it (state null before there is one). */
async function webhookOf(jobId: string, app = t): Promise<{ state: string | null; tries: number; nextTryAt?: string | null }> {
  const job = (await request(app.server).get(`/api/v2/jobs/${jobId}`).expect(200)).body as JobDto;
  return job.webhook ?? { state: null, tries: 0 };
}

it('POSTs the finished job to its callbackUrl, signed with WEBHOOK_SECRET (Standard Webhooks)', async () => {
  const accepted = await submit({ prompt: 'a herald with a scroll', callbackUrl: receiverUrl }).expect(202);
  await deliveries(1);
  const [{ headers, body }] = received;
  const job = JSON.parse(body) as JobDto;
  expect(job).toMatchObject({ id: accepted.body.id, status: 'succeeded', result: { prompt: 'a herald with a scroll' } });
  expect(headers['content-type']).toBe('application/json');
  expect(headers['webhook-id']).toBe(accepted.body.id);
  const timestamp = headers['webhook-timestamp'] as string;
  expect(Number(timestamp)).toBe(Math.floor(t.clock.now().getTime() / 1000));
  const expected = createHmac('sha256', SECRET).update(`${accepted.body.id}.${timestamp}.${body}`).digest('base64');
  expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  // Another body under that signature would not verify.
  expect(createHmac('sha256', SECRET).update(`${accepted.body.id}.${timestamp}.${body} `).digest('base64')).not.toBe(expected);
  // The body leaves out the delivery's own state; the job shows it.
  expect(job.webhook).toBeUndefined();
  await waitUntil(async () => (await webhookOf(accepted.body.id)).state === 'delivered');
  expect(await webhookOf(accepted.body.id)).toEqual({ state: 'delivered', tries: 1, nextTryAt: null });
});

it('tries again with backoff when the receiver fails, and stops at a 4xx that says retrying will not help', async () => {
  answers = [503, 500];
  const slow = (await submit({ prompt: 'a herald on a slow road', callbackUrl: receiverUrl }).expect(202)).body as JobDto;
  await deliveries(1);
  await waitUntil(async () => (await webhookOf(slow.id)).tries === 1);
  expect(await webhookOf(slow.id)).toEqual({ state: 'pending', tries: 1, nextTryAt: new Date(t.clock.now().getTime() + 1_000).toISOString() });
  t.clock.advance(1_000);
  await deliveries(2);
  await waitUntil(async () => (await webhookOf(slow.id)).tries === 2);
  t.clock.advance(5_000);
  await deliveries(3);
  expect(received.map(({ headers }) => headers['webhook-id'])).toEqual(Array(3).fill(slow.id));
  await waitUntil(async () => (await webhookOf(slow.id)).state === 'delivered');
  expect(await webhookOf(slow.id)).toEqual({ state: 'delivered', tries: 3, nextTryAt: null });

  answers = [410];
  const closed = (await submit({ prompt: 'a herald at a closed gate', callbackUrl: receiverUrl }).expect(202)).body as JobDto;
  await deliveries(4);
  await waitUntil(async () => (await webhookOf(closed.id)).state === 'refused');
  const metrics = (await request(t.server).get('/metrics')).text;
  expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="retried"\} 2$/m);
  expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="delivered"\} 2$/m);
  expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="refused"\} 1$/m);
});

it('takes up a retry that a stopped process left, from the job’s row, once it is due', async () => {
  const first = await createTestApp({ env: WEBHOOK_ENV });
  let second: TestApp | undefined;
  try {
    answers = [503];
    const job = (await submit({ prompt: 'a herald whose rider fell', callbackUrl: receiverUrl }, first).expect(202)).body as JobDto;
    await deliveries(1);
    await waitUntil(async () => (await webhookOf(job.id, first)).tries === 1);
    await first.app.close(); // its timer for the retry goes with it

    // The next process on the same database and folder (a restart, or another replica).
    const database = first.config.database;
    const DATABASE_URL = database.driver === 'postgres' ? database.url : `sqlite:///${database.path}`;
    second = await createTestApp({ env: { ...WEBHOOK_ENV, DATABASE_URL, IMAGE_STORAGE_DIR: first.config.storage.dir } });
    expect(await webhookOf(job.id, second)).toMatchObject({ state: 'pending', tries: 1 });
    await waitUntil(() => second!.clock.sleeping > 0); // its look at boot found nothing due yet
    second.clock.advance(WEBHOOK_SWEEP_MS); // past the retry's due time (1 s), at its next look
    await deliveries(2);
    expect(received.map(({ headers }) => headers['webhook-id'])).toEqual([job.id, job.id]);
    expect(JSON.parse(received[1].body)).toMatchObject({ id: job.id, status: 'succeeded' });
    await waitUntil(async () => (await webhookOf(job.id, second)).state === 'delivered');
  } finally {
    await second?.close();
    await first.close();
  }
});

it('lets one process at a time take a delivery that is due, and only its holder record the try', async () => {
  const job = (await submit({ prompt: 'a herald between two gates', callbackUrl: receiverUrl }).expect(202)).body as JobDto;
  await deliveries(1);
  await waitUntil(async () => (await webhookOf(job.id)).state === 'delivered');
  const repository = t.app.get(GenerationJobsRepository);
  const now = t.clock.now();
  const held = new Date(now.getTime() + 60_000);
  const later = new Date(now.getTime() + 120_000);
  expect(await repository.takeDueWebhook(job.id, now, held)).toBe(false); // delivered: nothing to take

  // Pending again and due, as a failed try leaves it.
  await t.dataSource.getRepository(GenerationJobEntity).update(job.id, { webhookState: 'pending', webhookDueAt: now });
  const taken = await Promise.all([repository.takeDueWebhook(job.id, now, held), repository.takeDueWebhook(job.id, now, held)]);
  expect(taken.sort()).toEqual([false, true]);
  expect(await repository.dueWebhooks(now, 10)).not.toContain(job.id); // held
  expect(await repository.dueWebhooks(held, 10)).toContain(job.id); // its holder gone quiet: due again
  expect(await repository.takeDueWebhook(job.id, held, later)).toBe(true); // taken up by another process
  expect(await repository.webhookTried(job.id, held, { state: 'delivered' })).toBe(false); // the first holder's record comes too late
  expect(await repository.webhookTried(job.id, later, { state: 'delivered' })).toBe(true);
});

it('sends the webhook of a job that ends while the service shuts down, before it stops', async () => {
  const held = heldProvider();
  const app = await createTestApp({ env: WEBHOOK_ENV, customize: held.install });
  try {
    const job = (await submit({ prompt: 'a herald at closing time', callbackUrl: receiverUrl }, app).expect(202)).body as JobDto;
    await held.asked;
    // The picture comes once shutdown has closed the HTTP server: the job ends during shutdown.
    app.server.once('close', held.answer);
    await app.app.close();
    expect(received.map(({ headers }) => headers['webhook-id'])).toEqual([job.id]);
    // Recorded before the database closed: no later process will send it again.
    const db = await app.connectAgain();
    try {
      const [row] = (await db.query(`SELECT webhook_state AS state FROM generation_jobs WHERE id = ${db.options.type === 'postgres' ? '$1' : '?'}`, [job.id])) as Array<{ state: string }>;
      expect(row.state).toBe('delivered');
    } finally {
      await db.destroy();
    }
  } finally {
    await app.close();
  }
});

it('refuses a callbackUrl whose host is not listed, one without Prefer: respond-async, and one that is not http(s)', async () => {
  const unlisted = await submit({ prompt: 'a herald', callbackUrl: 'http://127.0.0.2:9/hook' }).expect(400);
  expect(unlisted.body.message).toBe('callbackUrl: 127.0.0.2 is not in WEBHOOK_ALLOWED_HOSTS');
  const synchronous = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a herald', callbackUrl: receiverUrl }).expect(400);
  expect(synchronous.body.message).toBe('callbackUrl is for asynchronous requests: send Prefer: respond-async with it');
  const ftp = await submit({ prompt: 'a herald', callbackUrl: 'ftp://127.0.0.1/hook' }).expect(400);
  expect(ftp.body.message).toEqual(['callbackUrl must be an http(s) URL']);
  expect(received).toEqual([]);
});

