import pg from 'pg';
import { describeIf } from '../support/describe-if.js';
import { eventually } from '../support/eventually.js';
import { TEST_DATABASE_URL } from '../support/postgres.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { type ReplicaSet, startReplicaSet } from '../support/replica-set.js';

const MAX_CONCURRENT = 3;
const JOBS = 200;

/**
 * The generation queue shared through Redis (BullMQ) by two real service processes on one
 * PostgreSQL database: GEMINI_MAX_CONCURRENT holds for both together, counted at the fake
 * Gemini server, which sees every call.
 */
describeIf(Boolean(TEST_DATABASE_URL && TEST_REDIS_URL), 'one generation queue for two replicas', 'skipped: set TEST_DATABASE_URL and TEST_REDIS_URL to run', () => {
  let set: ReplicaSet;

  beforeAll(async () => {
    set = await startReplicaSet({ GEMINI_MAX_CONCURRENT: String(MAX_CONCURRENT), RATE_LIMIT_ENABLED: 'false', JOBS_ENABLED: 'false' });
    // Small pictures answered after a moment: calls overlap, and storing them costs little.
    set.gemini.setDefault({ kind: 'image', width: 64, height: 64, delayMs: 20 });
  }, 60_000);

  afterAll(() => set?.stop());

  it(`runs ${JOBS} jobs asked of both replicas with never more than GEMINI_MAX_CONCURRENT=${MAX_CONCURRENT} at Gemini at once, and all succeed`, async () => {
    const accepted = await Promise.all(
      Array.from({ length: JOBS }, async (_, n) => {
        const replica = set.replicas[n % 2];
        const response = await fetch(`${replica.url}/api/v2/images/generate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', prefer: 'respond-async' },
          body: JSON.stringify({ prompt: `queued picture number ${n}` }),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    expect(new Set(accepted).size).toBe(JOBS);

    const client = new pg.Client({ connectionString: set.database.url });
    await client.connect();
    try {
      await eventually(async () => {
        const { rows } = await client.query<{ status: string; n: string }>('SELECT status, COUNT(*) AS n FROM generation_jobs GROUP BY status');
        expect(rows).toEqual([{ status: 'succeeded', n: String(JOBS) }]);
      }, 120_000);
      // Every job made its image.
      const { rows: images } = await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM images');
      expect(Number(images[0].n)).toBe(JOBS);
    } finally {
      await client.end();
    }
    expect(set.gemini.requests).toHaveLength(JOBS);
    expect(set.gemini.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
    expect(set.gemini.maxInFlight).toBe(MAX_CONCURRENT); // the slots were used, too
  }, 180_000);

  // Last: it kills a replica.
  it('loses no job when a replica is killed (kill -9) with jobs queued and running: each runs again at most once', async () => {
    let open!: () => void;
    set.gemini.reset();
    set.gemini.setDefault({ kind: 'image', width: 64, height: 64, until: new Promise<void>((resolve) => (open = resolve)) });
    const before = set.gemini.requests.length;
    const client = new pg.Client({ connectionString: set.database.url });
    await client.connect();
    try {
      const ids = await Promise.all(
        Array.from({ length: 8 }, async (_, n) => {
          const response = await fetch(`${set.replicas[0].url}/api/v2/images/generate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', prefer: 'respond-async' },
            body: JSON.stringify({ prompt: `a picture that outlives its replica, number ${n}` }),
          });
          expect(response.status).toBe(202);
          return ((await response.json()) as { id: string }).id;
        }),
      );
      await set.gemini.waitForRequests(before + MAX_CONCURRENT); // every slot busy, on either replica
      set.replicas[0].kill();
      set.gemini.setDefault({ kind: 'image', width: 64, height: 64, delayMs: 20 });
      open();

      // The survivor takes the line from Redis; the dead replica's running jobs come back once
      // BullMQ finds their lock lapsed (30 s).
      await eventually(async () => {
        const { rows } = await client.query<{ status: string }>('SELECT status FROM generation_jobs WHERE id = ANY($1)', [ids]);
        expect(rows.map((row) => row.status)).toEqual(Array(ids.length).fill('succeeded'));
      }, 150_000);
      const { rows } = await client.query<{ attempts: number; images: string }>(
        'SELECT j.attempts, (SELECT COUNT(*) FROM images i WHERE i.job_id = j.id) AS images FROM generation_jobs j WHERE j.id = ANY($1)',
        [ids],
      );
      expect(rows.every((row) => row.attempts >= 1 && row.attempts <= 2)).toBe(true);
      expect(rows.map((row) => Number(row.images))).toEqual(Array(ids.length).fill(1)); // one picture each, never two
    } finally {
      await client.end();
    }
  }, 200_000);
});
