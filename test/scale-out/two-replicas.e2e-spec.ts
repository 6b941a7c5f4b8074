import pg from 'pg';
import { MIGRATIONS } from '../../migrations/index.js';
import { eventually } from '../support/eventually.js';
import type { FakeGeminiServer } from '../support/fake-gemini-server.js';
import { TEST_DATABASE_URL, type TestDatabase } from '../support/postgres.js';
import { describeIf } from '../support/describe-if.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import type { ReplicaProcess } from '../support/replica-process.js';
import { type ReplicaSet, startReplicaSet } from '../support/replica-set.js';

const ADMIN_KEY = 'replica-test-admin-key';
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const json = { 'content-type': 'application/json' };


/**
 * Two real service processes (the built `npm start` entry point) on one PostgreSQL database,
 * one Redis and one shared IMAGE_STORAGE_DIR, behind no balancer: the test spreads requests
 * over both itself. Gemini is the fake server, so upstream calls can be counted.
 */
describeIf(Boolean(TEST_DATABASE_URL && TEST_REDIS_URL), 'two replicas on one PostgreSQL and Redis', 'skipped: set TEST_DATABASE_URL and TEST_REDIS_URL to run', () => {
  let set: ReplicaSet;
  let gemini: FakeGeminiServer;
  let database: TestDatabase;
  let replicas: ReplicaProcess[] = [];

  beforeAll(async () => {
    set = await startReplicaSet({
      ADMIN_API_KEY: ADMIN_KEY,
      MAX_REQUESTS_PER_MINUTE: '10',
      SCENE_REQUESTS_PER_MINUTE: '100',
      JOBS_ENABLED: 'true',
      LOG_FORMAT: 'json', // as in production, so the test can join both logs by request id
    });
    // Started together on an empty database: both run migrations at boot.
    ({ gemini, database, replicas } = set);
  }, 60_000);

  afterAll(() => set?.stop());

  const post = (replica: ReplicaProcess, path: string, body: unknown, headers: Record<string, string> = json) =>
    fetch(`${replica.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('migrated the empty database once, though both booted together', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; times: string }>('SELECT name, COUNT(*) AS times FROM migrations GROUP BY name ORDER BY name');
      expect(rows.map((row) => row.name)).toEqual(MIGRATIONS.postgres.map((migration) => migration.name).sort());
      expect(rows.every((row) => Number(row.times) === 1)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('shows Redis in /health on both', async () => {
    for (const replica of replicas) {
      const health = (await (await fetch(`${replica.url}/health`)).json()) as { details: Record<string, { status: string }> };
      expect(health.details.redis.status).toBe('up');
      expect(health.details.database.status).toBe('up');
    }
  });

  it('shares the rate limit: requests spread over both replicas, the 11th gets 429', async () => {
    gemini.setDefault({ kind: 'image' });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(replicas[i % 2], '/api/v2/images/generate', { prompt: `a goblin market, stall ${i}` })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(201));
    for (const replica of replicas) {
      const refused = await post(replica, '/api/v2/images/generate', { prompt: 'one goblin too many' });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('serves an image stored by one replica from the other, until the first deletes it', async () => {
    const page = (await (await fetch(`${replicas[0].url}/api/v2/images/search?pageSize=1`)).json()) as { items: Array<{ id: string; contentHash: string }> };
    const [created] = page.items;
    const file = await fetch(`${replicas[1].url}/api/v2/images/${created.id}/full`); // now in B's file cache too
    expect(file.status).toBe(200);
    expect(file.headers.get('etag')).toBe(`"${created.contentHash}"`);

    expect((await fetch(`${replicas[0].url}/api/v2/images/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    // B hears of it over Redis at once, rather than when its cache would next ask the database (60 s).
    await eventually(async () => expect((await fetch(`${replicas[1].url}/api/v2/images/${created.id}/full`)).status).toBe(404), 2000);
  });

  it('makes one provider call for ten concurrent identical scene requests spread over both', async () => {
    gemini.setDefault({ kind: 'image', delayMs: 1000 });
    const before = gemini.requests.length;
    const scene = { description: 'a dragon asleep on a hoard of copper coins' };
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(replicas[i % 2], '/api/v2/scenes/generate', scene)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Array<{ cached: boolean; image: { id: string } }>;
    expect(gemini.requests.length - before).toBe(1);
    expect(new Set(bodies.map((body) => body.image.id)).size).toBe(1);
    expect(bodies.every((body) => !body.cached)).toBe(true);

    const again = await post(replicas[1], '/api/v2/scenes/generate', scene);
    expect(again.headers.get('x-cache')).toBe('HIT');
    expect(gemini.requests.length - before).toBe(1);
  });

  it('runs a job triggered on both at once on one of them', async () => {
    const runs = await Promise.all(replicas.map((replica) => post(replica, '/api/v2/maintenance/jobs/expired-cache-cleanup/run', {}, admin)));
    expect(runs.map((run) => run.status)).toEqual([200, 200]);
    const outcomes = (await Promise.all(runs.map((run) => run.json()))) as Array<{ outcome: string }>;
    expect(outcomes.map((run) => run.outcome).sort()).toEqual(['skipped', 'success']);

    const jobs = (await (await fetch(`${replicas[0].url}/api/v2/maintenance/jobs`, { headers: admin })).json()) as Array<{ name: string; lastRunAt: string | null }>;
    expect(jobs.find((job) => job.name === 'expired-cache-cleanup')?.lastRunAt).not.toBeNull();
  });

  it('writes JSON logs that join up by request id: each request’s lines, service lines included, on the replica that served it', async () => {
    const ids = ['join-replica-0', 'join-replica-1'];
    const runs = await Promise.all(replicas.map((replica, index) => post(replica, '/api/v2/maintenance/jobs/orphan-cleanup/run', {}, { ...admin, 'x-request-id': ids[index] })));
    expect(runs.map((run) => run.headers.get('x-request-id'))).toEqual(ids);
    const joined = () =>
      replicas.flatMap((replica, index) =>
        replica
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => ({ ...(JSON.parse(line) as { requestId?: string; msg: string; route?: string; status?: number; context?: string }), replica: index })),
      );
    // pino writes asynchronously: wait for both closing lines to reach the pipes.
    await eventually(() => expect(joined().filter((line) => ids.includes(line.requestId ?? '') && line.route !== undefined)).toHaveLength(2));
    for (const [index, id] of ids.entries()) {
      const lines = joined().filter((line) => line.requestId === id);
      expect(lines.map((line) => line.replica)).toEqual(lines.map(() => index));
      expect(lines).toEqual([
        // one replica ran the job, the other found it running there: either way a line of the service's own
        expect.objectContaining({ context: 'MaintenanceJobsService', msg: expect.stringMatching(/^Job orphan-cleanup (done in|skipped)/) }),
        expect.objectContaining({ route: '/api/v2/maintenance/jobs/:name/run', status: 200 }),
      ]);
    }
    for (const replica of replicas) expect(replica.output()).not.toContain(ADMIN_KEY);
  });
});
