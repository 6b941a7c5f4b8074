import { BullGenerationQueue } from '../../src/jobs/bullmq-generation-queue.js';
import type { JobRunOutcome } from '../../src/jobs/generation-queue.js';
import { Queue } from 'bullmq';
import { Clock, SystemClock } from '../../src/common/clock.js';
import { ManualClock } from '../support/clock.js';
import { eventually } from '../support/eventually.js';
import { dropTestKeys, describeWithRedis, requireTestRedisUrl, uniqueKeyPrefix } from '../support/redis.js';

/**
 * A queue as one replica has it, whose runs the test ends (or frees the slot of) by hand. Its
 * lease renewals keep `clock`'s time: a ManualClock never moved renews nothing.
 */
function replica(keyPrefix: string, processingLeaseMs?: number, clock: Clock = new SystemClock()) {
  const queue = new BullGenerationQueue({ redisUrl: requireTestRedisUrl(), keyPrefix, maxConcurrent: 1, processingLeaseMs }, clock);
  const started: string[] = [];
  const runs = new Map<string, { freeSlot: () => void; end: () => void }>();
  const changes: Array<string | undefined> = [];
  queue.onChange((jobId) => changes.push(jobId));
  queue.process(
    (jobId, freeSlot) =>
      new Promise<JobRunOutcome>((resolve) => {
        started.push(jobId);
        runs.set(jobId, { freeSlot, end: () => resolve() });
      }),
  );
  return { queue, started, runs, changes };
}

// Real Redis and BullMQ: the slot is BullMQ's global concurrency, freed while a job goes on.
describeWithRedis('BullGenerationQueue', () => {
  const prefixes: string[] = [];
  const newPrefix = () => {
    prefixes.push(uniqueKeyPrefix());
    return prefixes.at(-1)!;
  };
  afterAll(() => Promise.all(prefixes.map(dropTestKeys)));

  it('starts the next job once a running one frees its slot, and tells every replica when that one ends', async () => {
    const keyPrefix = newPrefix();
    const one = replica(keyPrefix);
    const other = replica(keyPrefix);
    try {
      await one.queue.add('a');
      await one.queue.add('b');
      await eventually(() => expect([...one.started, ...other.started]).toEqual(['a']));
      const runA = (one.runs.get('a') ?? other.runs.get('a'))!;

      runA.freeSlot();
      await eventually(() => expect([...one.started, ...other.started].sort()).toEqual(['a', 'b']));
      expect(await one.queue.position('b')).toBeUndefined();

      runA.end();
      await eventually(() => {
        expect(one.changes).toContain('a');
        expect(other.changes).toContain('a');
      });
      (one.runs.get('b') ?? other.runs.get('b'))!.end();
    } finally {
      await Promise.all([one.queue.close(), other.queue.close()]);
    }
  });

  it('runs a job again on another replica when the one processing it died after freeing its slot', async () => {
    const keyPrefix = newPrefix();
    const dying = replica(keyPrefix, 500, new ManualClock()); // dead: it renews no lease
    await dying.queue.add('a');
    await eventually(() => expect(dying.started).toEqual(['a']));
    dying.runs.get('a')!.freeSlot();
    // It stops taking work and never ends `a`, as if killed mid-processing.
    const dead = dying.queue.close();

    const survivor = replica(keyPrefix, 500);
    try {
      await eventually(() => expect(survivor.started).toEqual(['a']), 15_000);
      survivor.runs.get('a')!.end();
    } finally {
      dying.runs.get('a')!.end();
      await Promise.all([dead, survivor.queue.close()]);
    }
  });

  it('renews the processing lease while a run that freed its slot goes on, on its clock', async () => {
    const keyPrefix = newPrefix();
    const clock = new ManualClock();
    const one = replica(keyPrefix, 60_000, clock);
    const books = new Queue('generation', { connection: { url: requireTestRedisUrl() }, prefix: `${keyPrefix}bull` });
    try {
      await one.queue.add('a');
      await eventually(() => expect(one.started).toEqual(['a']));
      one.runs.get('a')!.freeSlot();
      await eventually(async () => expect(await books.getJobState('a')).toBe('delayed'));
      // As if most of the lease had passed: 10 s of it left.
      await (await books.getJob('a'))!.changeDelay(10_000);

      clock.advance(20_000); // a third of the lease
      await eventually(async () => expect((await books.getJob('a'))!.delay).toBe(60_000));

      one.runs.get('a')!.end();
      await eventually(async () => expect(await books.getJob('a')).toBeUndefined());
    } finally {
      await books.close();
      await one.queue.close();
    }
  });

  it('leaves a job alone that another replica took up after its lease lapsed: that run ends it', async () => {
    const keyPrefix = newPrefix();
    const stalled = replica(keyPrefix, 500, new ManualClock()); // renews nothing: its lease lapses
    const books = new Queue('generation', { connection: { url: requireTestRedisUrl() }, prefix: `${keyPrefix}bull` });
    await stalled.queue.add('a');
    await eventually(() => expect(stalled.started).toEqual(['a']));
    stalled.runs.get('a')!.freeSlot();
    const stalledClosed = stalled.queue.close(); // it takes no more work; its run of `a` goes on

    const other = replica(keyPrefix, 60_000);
    try {
      await eventually(() => expect(other.started).toEqual(['a']), 15_000);
      other.runs.get('a')!.freeSlot();
      await eventually(async () => expect(await books.getJobState('a')).toBe('delayed'));

      stalled.runs.get('a')!.end();
      await stalledClosed;
      expect(await books.getJobState('a')).toBe('delayed'); // still the other run's
      other.runs.get('a')!.end();
      await eventually(async () => expect(await books.getJob('a')).toBeUndefined());
    } finally {
      await books.close();
      await other.queue.close();
    }
  });
});
