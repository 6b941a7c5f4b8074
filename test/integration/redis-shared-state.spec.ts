import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { SystemClock } from '../../src/common/clock.js';
import { ContentRefusedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../src/common/errors.js';
import { RedisThrottlerStorage } from '../../src/common/rate-limit/redis-throttler.storage.js';
import { GeminiModelChain, RETIRED_MODEL_RECHECK_MS } from '../../src/generation/gemini-model-chain.js';
import { RedisRetiredModels } from '../../src/generation/redis-retired-models.js';
import { RedisReservations } from '../../src/images/gemini-reservations.js';
import { RedisReplicaEvents } from '../../src/redis/replica-events.js';
import { RedisFlights } from '../../src/scenes/replica-flights.js';
import { ManualClock } from '../support/clock.js';
import { eventually } from '../support/eventually.js';
import { describeWithRedis, testRedis, uniqueKeyPrefix } from '../support/redis.js';

// Two clients stand for two replicas: everything they share goes through Redis.
describeWithRedis('shared state in Redis (two clients as two replicas)', () => {
  const prefix = uniqueKeyPrefix();
  const replicaA = testRedis(prefix);
  const replicaB = testRedis(prefix);

  afterAll(async () => {
    replicaB.disconnect();
    await replicaA.drop();
  });

  describe('RedisThrottlerStorage', () => {
    const clock = new ManualClock();
    const storages = [new RedisThrottlerStorage(replicaA, clock), new RedisThrottlerStorage(replicaB, clock)];

    it('counts one window across replicas and refuses past the limit without counting the refusal', async () => {
      const records = [];
      for (let i = 0; i < 5; i++) records.push(await storages[i % 2].increment('client-1', 60_000, 3, 0, 'images'));
      expect(records.map((record) => record.isBlocked)).toEqual([false, false, false, true, true]);
      expect(records.map((record) => record.totalHits)).toEqual([1, 2, 3, 4, 4]);
      expect(records[3].timeToBlockExpire).toBeGreaterThanOrEqual(59);
      expect(records[3].timeToBlockExpire).toBeLessThanOrEqual(60);
      expect(records[0].timeToBlockExpire).toBe(0);
    });

    it('frees a slot when its oldest request leaves the window, by the service’s clock', async () => {
      for (let i = 0; i < 2; i++) await storages[i].increment('client-5', 60_000, 2, 0, 'images');
      clock.advance(30_000);
      const refused = await storages[0].increment('client-5', 60_000, 2, 0, 'images');
      expect(refused).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
      clock.advance(30_000);
      expect((await storages[1].increment('client-5', 60_000, 2, 0, 'images')).isBlocked).toBe(false);
    });

    it('keeps clients and named limits apart', async () => {
      expect((await storages[0].increment('client-2', 60_000, 1, 0, 'images')).isBlocked).toBe(false);
      expect((await storages[1].increment('client-2', 60_000, 1, 0, 'scenes')).isBlocked).toBe(false);
      expect((await storages[1].increment('client-3', 60_000, 1, 0, 'images')).isBlocked).toBe(false);
      expect((await storages[0].increment('client-2', 60_000, 1, 0, 'images')).isBlocked).toBe(true);
    });

    it('never lets concurrent requests on both replicas share the last slots', async () => {
      const records = await Promise.all(Array.from({ length: 40 }, (_, i) => storages[i % 2].increment('client-4', 60_000, 10, 0, 'images')));
      expect(records.filter((record) => !record.isBlocked)).toHaveLength(10);
    });
  });

  describe('RedisFlights', () => {
    const settings = { lockTtlMs: 500, pollMs: 20, maxWaitMs: 5000 };
    const flights = [new RedisFlights(replicaA, settings, 'scene-flight', new SystemClock()), new RedisFlights(replicaB, settings, 'scene-flight', new SystemClock())];

    function sharedWork(outcome: () => Promise<string>) {
      let stored: string | undefined;
      let calls = 0;
      return {
        get calls() {
          return calls;
        },
        work: {
          generate: async () => {
            calls++;
            await sleep(200);
            stored = await outcome();
            return stored;
          },
          findStored: async () => stored,
          checkFirst: true,
        },
      };
    }

    it('makes one call for ten concurrent requests spread over two replicas', async () => {
      const shared = sharedWork(async () => 'the picture');
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => flights[i % 2].run('key-1', shared.work)));
      expect(shared.calls).toBe(1);
      expect(outcomes.map((outcome) => outcome.result)).toEqual(Array(10).fill('the picture'));
      expect(outcomes.filter((outcome) => !outcome.joined)).toHaveLength(1);
    });

    it('hands the holder’s failure to every waiter, as the same domain error', async () => {
      const shared = sharedWork(async () => {
        throw new ContentRefusedError('The prompt was refused: IMAGE_SAFETY', 'IMAGE_SAFETY');
      });
      const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => flights[i % 2].run('key-2', shared.work)));
      expect(shared.calls).toBe(1);
      for (const outcome of settled) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as ContentRefusedError;
        expect(error).toBeInstanceOf(ContentRefusedError);
        expect(error.message).toBe('The prompt was refused: IMAGE_SAFETY');
        expect(error.reason).toBe('IMAGE_SAFETY');
      }
    });

    it('does the work itself when the holder died: its lock lapses after the TTL', async () => {
      // A replica that took the lock and crashed: nobody renews or releases it.
      await replicaA.set('scene-flight:lock:key-3', 'dead-replica', 'PX', 300);
      const shared = sharedWork(async () => 'drawn by the survivor');
      const started = Date.now();
      const outcome = await flights[1].run('key-3', shared.work);
      expect(outcome).toEqual({ result: 'drawn by the survivor', joined: false });
      expect(shared.calls).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('stops waiting for another replica after maxWaitMs by the service’s clock, with a 504 saying so', async () => {
      await replicaA.set('scene-flight:lock:key-5', 'busy-replica', 'PX', 60_000); // a live holder, for all the waiter knows
      const clock = new ManualClock();
      const waiting = new RedisFlights(replicaB, settings, 'scene-flight', clock).run('key-5', sharedWork(async () => 'never').work).catch((error: unknown) => error);
      clock.advance(settings.maxWaitMs);
      const error = (await waiting) as UpstreamTimeoutError;
      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(error.message).toBe('Another replica has been generating this scene for 5 s; try again shortly');
      await replicaA.del('scene-flight:lock:key-5');
    });

    it('keeps a live holder’s lock past its TTL by renewing it', async () => {
      const shared = sharedWork(async () => 'slow picture');
      const slowWork = { ...shared.work, generate: async () => (await sleep(settings.lockTtlMs * 3), shared.work.generate()) };
      const outcomes = await Promise.all([flights[0].run('key-4', slowWork), sleep(50).then(() => flights[1].run('key-4', slowWork))]);
      expect(shared.calls).toBe(1);
      expect(outcomes.map((outcome) => outcome.joined).sort()).toEqual([false, true]);
    });
  });

  describe('RedisReservations', () => {
    it('counts reservations made on other replicas until they are released or lapse', async () => {
      const [a, b] = [new RedisReservations(replicaA, 1000), new RedisReservations(replicaB, 1000)];
      const first = await a.reserve();
      const second = await b.reserve();
      expect([first.othersInFlight, second.othersInFlight]).toEqual([0, 1]);
      first.release();
      first.release(); // twice is harmless
      // No wait needed: the release went out on this replica's connection before the next command.
      expect((await a.reserve()).othersInFlight).toBe(1); // only `second` remains; this one is never released
      await sleep(1100);
      expect((await b.reserve()).othersInFlight).toBe(0); // both unreleased ones lapsed
    });
  });

  describe('RedisReplicaEvents', () => {
    it('delivers an event to the other replicas, not back to the one that published it', async () => {
      const [a, b] = [new RedisReplicaEvents(replicaA, prefix), new RedisReplicaEvents(replicaB, prefix)];
      await Promise.all([a.onModuleInit(), b.onModuleInit()]);
      const heardByA: string[][] = [];
      const heardByB: string[][] = [];
      a.on('images-changed', ({ ids }) => heardByA.push(ids));
      b.on('images-changed', ({ ids, removed }) => removed && heardByB.push(ids));
      try {
        a.publish('images-changed', { ids: ['image-1', 'image-2'], removed: true });
        await eventually(() => expect(heardByB).toEqual([['image-1', 'image-2']]), 1000);
        expect(heardByA).toEqual([]);
      } finally {
        await Promise.all([a.onApplicationShutdown(), b.onApplicationShutdown()]);
      }
    });
  });

  describe('RedisRetiredModels', () => {
    const MODELS = ['gemini-3-pro-image', 'gemini-3.1-flash-image'];

    it('moves every replica to the next model when one finds a model retired, and tells replicas started later', async () => {
      const clock = new ManualClock();
      const events = [new RedisReplicaEvents(replicaA, prefix), new RedisReplicaEvents(replicaB, prefix)];
      await Promise.all(events.map((each) => each.onModuleInit()));
      const [a, b] = [new GeminiModelChain(MODELS, clock, new RedisRetiredModels(replicaA, events[0])), new GeminiModelChain(MODELS, clock, new RedisRetiredModels(replicaB, events[1]))];
      try {
        await Promise.all([a.onModuleInit(), b.onModuleInit()]);
        expect([a.current, b.current]).toEqual(['gemini-3-pro-image', 'gemini-3-pro-image']);

        a.retire('gemini-3-pro-image');
        expect(a.current).toBe('gemini-3.1-flash-image');
        await eventually(() => expect(b.current).toBe('gemini-3.1-flash-image'), 1000);

        const later = new GeminiModelChain(MODELS, clock, new RedisRetiredModels(replicaB, events[1]));
        await later.onModuleInit();
        expect(later.retired).toEqual(['gemini-3-pro-image']);
        // The key lives as long as the retirement: a day later the model is tried again.
        expect(await replicaA.pttl('gemini:retired-model:gemini-3-pro-image')).toBeGreaterThan(RETIRED_MODEL_RECHECK_MS - 60_000);
        clock.advance(RETIRED_MODEL_RECHECK_MS);
        expect([a.current, b.current, later.current]).toEqual(Array(3).fill('gemini-3-pro-image'));
      } finally {
        await Promise.all(events.map((each) => each.onApplicationShutdown()));
      }
    });
  });
});

describe('with Redis out of reach', () => {
  // A port nothing listens on, and no reconnecting: every command fails at once.
  const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  afterAll(() => unreachable.disconnect());

  it('answers 503 with Retry-After rather than letting requests through or failing with 500', async () => {
    const refusals = await Promise.allSettled([
      new RedisThrottlerStorage(unreachable, new ManualClock()).increment('client', 60_000, 10, 0, 'images'),
      new RedisReservations(unreachable, 1000).reserve(),
      new RedisFlights(unreachable, { lockTtlMs: 1000, pollMs: 10, maxWaitMs: 1000 }, 'scene-flight', new SystemClock()).run('key', {
        generate: async () => 'never drawn',
        findStored: async () => undefined,
        checkFirst: true,
      }),
    ]);
    for (const refusal of refusals) {
      expect(refusal.status).toBe('rejected');
      const error = (refusal as PromiseRejectedResult).reason as UpstreamUnavailableError;
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error.message).toMatch(/^Redis \(REDIS_URL\) cannot be reached/);
      expect(error.retryAfterSeconds).toBe(5);
    }
  });
});
