import { once } from 'node:events';
import { createConnection } from 'node:net';
import request from 'supertest';
import { ProviderQuotaError } from '../../src/common/errors.js';
import { ImageJobKinds } from '../../src/images/image-job-kinds.js';
import type { JobDto } from '../../src/jobs/dto/job.dto.js';
import { GenerationJobs } from '../../src/jobs/generation-jobs.service.js';
import { GenerationQueue } from '../../src/jobs/generation-queue.js';
import { HEARTBEAT_MS } from '../../src/jobs/job-event-stream.js';
import { type FakeGeminiServer, geminiError } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitUntil } from '../support/wait-until.js';
import type { TestApp } from '../support/test-app.js';

/**
 * Generation as jobs, through the real app and SDK against the fake Gemini server, one slot
 * (GEMINI_MAX_CONCURRENT=1) so the line is easy to see. The model answers when a test opens
 * its gate: no clock or sleep decides what is running.
 */
let t: TestApp;
let gemini: FakeGeminiServer;

beforeAll(async () => {
  // No retries inside the provider: a 429 reaches the job, which waits it out itself.
  ({ t, gemini } = await createGeminiTestApp({ GEMINI_MAX_CONCURRENT: '1', GEMINI_MAX_RETRIES: '0', RATE_LIMIT_ENABLED: 'false' }));
  await t.app.listen(0, '127.0.0.1'); // event streams are read with fetch, over a real socket
});
afterAll(async () => {
  await t.close();
  await gemini.close();
});
beforeEach(() => gemini.reset());

/** A model answer held until the test says so. */
function gate(): { until: Promise<void>; open: () => void } {
  let open!: () => void;
  const until = new Promise<void>((resolve) => (open = resolve));
  return { until, open };
}

const submit = (prompt: string) => request(t.server).post('/api/v2/images/generate').set('Prefer', 'respond-async').send({ prompt });
const jobOf = async (id: string) => (await request(t.server).get(`/api/v2/jobs/${id}`).expect(200)).body as JobDto;

interface StreamedEvent {
  event: string;
  job: JobDto;
}

/** Reads a job's event stream until it ends (the job finished), keeping comments apart. */
async function readEvents(
  id: string,
  onOpen?: () => void,
  port = (t.server.address() as { port: number }).port,
): Promise<{ events: StreamedEvent[]; comments: string[]; contentType: string | null }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v2/jobs/${id}/events`);
  onOpen?.();
  const text = await response.text();
  const blocks = text.split('\n\n').filter((block) => block !== '');
  return {
    contentType: response.headers.get('content-type'),
    comments: blocks.filter((block) => block.startsWith(':')),
    events: blocks
      .filter((block) => !block.startsWith(':'))
      .map((block) => {
        const [eventLine, dataLine] = block.split('\n');
        return { event: eventLine.replace('event: ', ''), job: JSON.parse(dataLine.replace('data: ', '')) as JobDto };
      }),
  };
}

it('answers 202 with the job’s URL and place in the line; the job runs to its image', async () => {
  const first = gate();
  gemini.enqueue({ kind: 'image', until: first.until }, { kind: 'image' });
  const running = await submit('a red dragon over the keep').expect(202);
  expect(running.headers.location).toBe(`/api/v2/jobs/${running.body.id}`);
  expect(running.headers['preference-applied']).toBe('respond-async');
  await gemini.waitForRequests(1);

  const waiting = await submit('a blue dragon under the sea').expect(202);
  expect(waiting.body).toEqual({ id: expect.any(String), status: 'queued', queuePosition: 0 });
  expect(await jobOf(running.body.id)).toMatchObject({ kind: 'image', status: 'running', queuePosition: null, attempts: 1 });

  const stream = readEvents(waiting.body.id);
  first.open();
  const { events, contentType } = await stream;
  expect(contentType).toMatch(/^text\/event-stream/);
  expect(events.map((event) => event.event)).toEqual(['queued', 'running', 'succeeded']);
  const done = events[2].job;
  expect(done).toMatchObject({ status: 'succeeded', result: { prompt: 'a blue dragon under the sea', source: 'gemini' } });
  expect(done.finishedAt).toEqual(expect.any(String));
  await request(t.server).get(`/api/v2/images/${(done.result as { id: string }).id}`).expect(200);
  expect(gemini.requests).toHaveLength(2);
});

it('waits in the same line without the header: a synchronous request starts only when the slot frees', async () => {
  const first = gate();
  gemini.enqueue({ kind: 'image', until: first.until }, { kind: 'image' });
  const queued = await submit('the first in line').expect(202);
  await gemini.waitForRequests(1);
  const synchronous = request(t.server).post('/api/v2/images/generate').send({ prompt: 'the second in line' }).expect(201);
  const answered = synchronous.then((response) => response.body as { prompt: string });
  // The synchronous request is in the line now (its job row is written before it waits).
  await waitUntil(async () => (await t.dataSource.query(`SELECT count(*) AS n FROM generation_jobs WHERE status = 'queued'`))[0].n == 1);
  expect(gemini.requests).toHaveLength(1);
  first.open();
  expect((await answered).prompt).toBe('the second in line');
  // The first may still be processing its picture: the slot went on as soon as Gemini answered it.
  expect((await readEvents(queued.body.id)).events.at(-1)!.event).toBe('succeeded');
});

it('shows a failed job with the error body the synchronous route would have answered', async () => {
  gemini.enqueue({ kind: 'blocked', blockReason: 'SAFETY' });
  const accepted = await submit('something the model refuses').expect(202);
  const { events } = await readEvents(accepted.body.id);
  const failed = events.at(-1)!.job;
  expect(failed.status).toBe('failed');
  expect(failed.error).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', reason: 'SAFETY' });
  expect(failed.result).toBeUndefined();
});

it('cancels a queued job, which never reaches the model; a running one cannot be cancelled', async () => {
  const first = gate();
  gemini.enqueue({ kind: 'image', until: first.until });
  const running = await submit('the one drawing').expect(202);
  await gemini.waitForRequests(1);
  const queued = await submit('the one given up').expect(202);

  const cancelled = await request(t.server).delete(`/api/v2/jobs/${queued.body.id}`).expect(200);
  expect(cancelled.body).toMatchObject({ status: 'cancelled', queuePosition: null, finishedAt: expect.any(String) });
  const refused = await request(t.server).delete(`/api/v2/jobs/${running.body.id}`).expect(409);
  expect(refused.body.message).toBe(`Job ${running.body.id} is running; only a queued job can be cancelled`);

  first.open();
  await readEvents(running.body.id);
  expect(gemini.requests).toHaveLength(1);
  expect((await jobOf(queued.body.id)).status).toBe('cancelled');
});

it('refuses a bad request at once with its 4xx, queuing nothing', async () => {
  const before = (await t.dataSource.query('SELECT count(*) AS n FROM generation_jobs'))[0].n;
  const missing = '00000000-0000-4000-8000-000000000000';
  const refused = await request(t.server).post('/api/v2/images/generate').set('Prefer', 'respond-async').send({ prompt: 'a knight', references: [missing] }).expect(400);
  expect(refused.body.message).toBe(`references: no image ${missing}`);
  await request(t.server).post(`/api/v2/images/${missing}/edit`).set('Prefer', 'respond-async').send({ instruction: 'add rain' }).expect(404);
  expect((await t.dataSource.query('SELECT count(*) AS n FROM generation_jobs'))[0].n).toBe(before);
});

it('answers a scene from the cache at once even when asked for a job; a miss is a job', async () => {
  const miss = await request(t.server).post('/api/v2/scenes/generate').set('Prefer', 'respond-async').send({ description: 'a tavern at dusk' }).expect(202);
  const { events } = await readEvents(miss.body.id);
  const drawn = events.at(-1)!.job;
  expect(drawn).toMatchObject({ kind: 'scene', status: 'succeeded', result: { cached: false, cacheKey: expect.any(String), hitCount: 0 } });

  const hit = await request(t.server).post('/api/v2/scenes/generate').set('Prefer', 'respond-async').send({ description: 'a tavern at dusk' }).expect(200);
  expect(hit.headers['x-cache']).toBe('HIT');
  expect(hit.body.image.id).toBe((drawn.result as { image: { id: string } }).image.id);
});

it('keeps a quiet event stream open through a proxy that drops connections idle for 30 s: a comment line every 15 s', async () => {
  const proxy = await startTcpProxy((t.server.address() as { port: number }).port, { closeIdle: { ms: 30_000, clock: t.clock } });
  try {
    // The proxy does drop a connection with nothing to say.
    const quiet = createConnection(proxy.port, '127.0.0.1');
    const quietClosed = once(quiet, 'close');
    await waitUntil(() => t.clock.sleeping === 1);
    t.clock.advance(30_000);
    await quietClosed;

    const first = gate();
    gemini.enqueue({ kind: 'image', until: first.until });
    const accepted = await submit('a long portrait').expect(202);
    await gemini.waitForRequests(1);
    const stream = readEvents(accepted.body.id, undefined, proxy.port);
    await waitUntil(() => proxy.bytesFromTarget > 0 && t.clock.sleeping === 2); // the proxy's watch and the stream's next beat
    for (let quietFor = 0; quietFor < 60_000; quietFor += HEARTBEAT_MS) {
      const passed = proxy.bytesFromTarget;
      t.clock.advance(HEARTBEAT_MS);
      await waitUntil(() => proxy.bytesFromTarget > passed && t.clock.sleeping === 2);
    }
    first.open();
    const { comments, events } = await stream;
    expect(comments).toEqual(Array(60_000 / HEARTBEAT_MS).fill(': still there'));
    expect(events.map((event) => event.event)).toEqual(['running', 'succeeded']);
  } finally {
    await proxy.close();
  }
});

// With Redis the line itself survives a restart (BullMQ); this is the in-memory line's recovery.
const inMemoryLineOnly = process.env.TEST_REDIS_URL && (globalThis as { TEST_DATABASE_DRIVER?: string }).TEST_DATABASE_DRIVER === 'postgres' ? it.skip : it;

it('waits out Gemini’s quota (its 429 and RetryInfo) instead of failing the player, until the job’s deadline', async () => {
  gemini.enqueue(geminiError.quota('2s'), { kind: 'image' });
  const synchronous = request(t.server).post('/api/v2/images/generate').send({ prompt: 'a patient wizard' });
  const answered = synchronous.then((response) => response);
  await gemini.waitForRequests(1);
  await waitUntil(async () => (await t.dataSource.query(`SELECT status FROM generation_jobs WHERE request LIKE '%patient wizard%'`))[0]?.status === 'queued');
  if (!t.app.get(GenerationQueue).durable) {
    // The in-memory line holds on the test's clock; BullMQ's (in Redis) holds on Redis's own, 2 s.
    await waitUntil(() => t.clock.sleeping > 0);
    expect(gemini.requests).toHaveLength(1);
    t.clock.advance(2_000);
  }
  const response = await answered;
  expect(response.status).toBe(201);
  expect(response.body.prompt).toBe('a patient wizard');
  expect(gemini.requests).toHaveLength(2);
  const [job] = await t.dataSource.query(`SELECT attempts FROM generation_jobs WHERE request LIKE '%patient wizard%'`);
  expect(Number(job.attempts)).toBe(1); // a refusal for quota is not an attempt

  // A wait that would end past JOB_DEADLINE_SECONDS (900) fails at once, as before.
  gemini.enqueue(geminiError.quota('1000s'));
  const late = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'an impatient wizard' }).expect(503);
  expect(late.headers['retry-after']).toBe('1000');

  const metrics = (await request(t.server).get('/metrics')).text;
  expect(metrics).toMatch(/^generation_job_quota_waits_total 1$/m);
  expect(metrics).toMatch(/^generation_job_run_seconds_count\{kind="image",status="failed"\} [1-9]\d*$/m);
  expect(metrics).toMatch(/^generation_job_wait_seconds_count\{kind="image"\} [1-9]\d*$/m);
  expect(metrics).toMatch(/^generation_jobs_queued 0$/m);
});

inMemoryLineOnly('takes up at boot what a stop left: queued jobs, and a job interrupted while running once more, not twice', async () => {
  const row = (id: string, status: string, attempts: number, prompt: string) =>
    t.dataSource.query(`INSERT INTO generation_jobs (id, kind, status, request, attempts, created_at) VALUES ($1, 'image', $2, $3, $4, $5)`.replace(/\$\d/g, (placeholder) =>
        t.dataSource.options.type === 'postgres' ? placeholder : '?',
      ), [
      id,
      status,
      JSON.stringify({ prompt }),
      attempts,
      t.clock.now().toISOString(),
    ]);
  await row('10000000-0000-4000-8000-000000000001', 'queued', 0, 'left in the line');
  await row('10000000-0000-4000-8000-000000000002', 'running', 1, 'cut off once');
  await row('10000000-0000-4000-8000-000000000003', 'running', 2, 'cut off twice');

  await t.app.get(GenerationJobs).onApplicationBootstrap(); // what a restart runs
  const [queued, once, twice] = await Promise.all(['1', '2', '3'].map(async (n) => (await readEvents(`10000000-0000-4000-8000-00000000000${n}`)).events.at(-1)!.job));
  expect(queued).toMatchObject({ status: 'succeeded', attempts: 1, result: { prompt: 'left in the line' } });
  expect(once).toMatchObject({ status: 'succeeded', attempts: 2, result: { prompt: 'cut off once' } });
  expect(twice).toMatchObject({ status: 'failed', attempts: 2, error: { statusCode: 409, message: 'The job was interrupted 2 times while running; it is not tried again' } });
  expect(gemini.requests).toHaveLength(2);
});

inMemoryLineOnly('never pays twice: a job cut off after storing its image finds that image when it runs again', async () => {
  const accepted = await submit('a dragon hoard, drawn once').expect(202);
  const drawn = (await readEvents(accepted.body.id)).events.at(-1)!.job;
  const imageId = (drawn.result as { id: string }).id;
  // As if the process died between storing the image and recording the job's end.
  await t.dataSource.query(`UPDATE generation_jobs SET status = 'running', finished_at = NULL, image_id = NULL WHERE id = ${t.dataSource.options.type === 'postgres' ? '$1' : '?'}`, [accepted.body.id]);
  const calls = gemini.requests.length;

  await t.app.get(GenerationJobs).onApplicationBootstrap(); // what a restart runs
  const again = (await readEvents(accepted.body.id)).events.at(-1)!.job;
  expect(again).toMatchObject({ status: 'succeeded', attempts: 2, result: { id: imageId } });
  expect(gemini.requests).toHaveLength(calls);
});

it('ends a job that meets a quota refusal after its provider answered: it gave its slot away and cannot wait in line again', async () => {
  const jobs = t.app.get(GenerationJobs);
  // No real kind calls Gemini after it answered; a kind that did must not leave its job queued with no line entry.
  jobs.define('image', {
    check: async () => undefined,
    run: async (_command, job) => {
      job.providerAnswered();
      throw new ProviderQuotaError('Gemini quota exceeded after the answer', 2);
    },
    record: () => ({ imageId: '', result: null }),
    revive: () => Promise.reject(new Error('never succeeds')),
  });
  try {
    const accepted = await submit('a wizard who asks twice').expect(202);
    const ended = (await readEvents(accepted.body.id)).events.at(-1)!.job;
    expect(ended).toMatchObject({ status: 'failed', error: { statusCode: 503, message: 'Gemini quota exceeded after the answer' } });
  } finally {
    t.app.get(ImageJobKinds).onModuleInit(); // the real kinds again
  }
});

it('answers 404 for a job that does not exist, and 400 for an id that is not one', async () => {
  const missing = await request(t.server).get('/api/v2/jobs/00000000-0000-4000-8000-000000000000').expect(404);
  expect(missing.body.message).toMatch(/^No job 00000000-0000-4000-8000-000000000000/);
  await request(t.server).get('/api/v2/jobs/not-a-job').expect(400);
  await request(t.server).get('/api/v2/jobs/00000000-0000-4000-8000-000000000000/events').expect(404);
});

