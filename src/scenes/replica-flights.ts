import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../common/clock.js';
import { reviveError, type SerializedError, serializeError, UpstreamTimeoutError } from '../common/errors.js';
import { viaRedis } from '../redis/redis-errors.js';
import { RedisLock } from '../redis/redis-lock.js';

export interface FlightWork<T> {
  /** Makes the result (the provider call). */
  generate(): Promise<T>;
  /** What a finished flight stored, if it is still there. */
  findStored(): Promise<T | undefined>;
  /**
   * Look for a stored result even without having waited: another replica may have finished
   * between the caller's cache check and taking the lock. False for forced regenerations.
   */
  checkFirst: boolean;
}

export interface FlightOutcome<T> {
  result: T;
  /** True when another replica's flight produced the result. */
  joined: boolean;
}

/**
 * Makes identical work happen once across replicas: the in-process SingleFlight dedupes
 * within a replica, this across them. Without Redis there is one process, so work just runs.
 */
export abstract class ReplicaFlights {
  abstract run<T>(key: string, work: FlightWork<T>): Promise<FlightOutcome<T>>;
}

export class InProcessFlights extends ReplicaFlights {
  async run<T>(_key: string, work: FlightWork<T>): Promise<FlightOutcome<T>> {
    return { result: await work.generate(), joined: false };
  }
}

export interface RedisFlightSettings {
  /** How long a crashed holder can block a key (the holder renews the lock while alive). */
  lockTtlMs: number;
  /** How often a waiter looks whether the holder is done. */
  pollMs: number;
  /** The longest a waiter waits for another replica before giving up with 504. */
  maxWaitMs: number;
}

/** How long a failed flight's error stays readable by the requests that waited on it. */
const FAILURE_TTL_MS = 30_000;

interface FailureRecord {
  /** The lock token of the flight that failed, so waiters only take their own flight's error. */
  flight: string;
  error: SerializedError;
}

/**
 * Flights across replicas on one Redis: the first to take the key's lock does the work; the
 * others wait for the lock to go, then answer what it stored, or fail with the same error it
 * failed with. A holder that crashed leaves neither, and its lock expires: a waiter then
 * takes the lock and does the work itself.
 */
export class RedisFlights extends ReplicaFlights {
  private readonly lock: RedisLock;

  constructor(
    private readonly redis: Redis,
    private readonly settings: RedisFlightSettings,
    private readonly namespace: string,
    /** The service's clock: how long a waiter has waited (Redis keeps its own time for the lock's TTL). */
    private readonly clock: Clock,
  ) {
    super();
    this.lock = new RedisLock(redis, settings.lockTtlMs);
  }

  async run<T>(key: string, work: FlightWork<T>): Promise<FlightOutcome<T>> {
    const lockKey = `${this.namespace}:lock:${key}`;
    const failureKey = `${this.namespace}:failure:${key}`;
    const deadline = this.clock.now().getTime() + this.settings.maxWaitMs;
    let waited = false;
    for (;;) {
      const held = await this.lock.tryAcquire(lockKey);
      if (held) {
        try {
          const stored = waited || work.checkFirst ? await work.findStored() : undefined;
          if (stored !== undefined) return { result: stored, joined: true };
          try {
            return { result: await work.generate(), joined: false };
          } catch (error) {
            const record: FailureRecord = { flight: held.token, error: serializeError(error) };
            await this.redis.set(failureKey, JSON.stringify(record), 'PX', FAILURE_TTL_MS).catch(() => undefined);
            throw error;
          }
        } finally {
          await held.release().catch(() => undefined); // at worst the lock expires after its TTL
        }
      }

      waited = true;
      const flight = await this.lock.holderOf(lockKey);
      if (flight === null) continue; // released meanwhile: try again
      await this.waitForRelease(lockKey, deadline);
      const failure = await this.failureOf(failureKey, flight);
      if (failure) throw reviveError(failure);
      const stored = await work.findStored();
      if (stored !== undefined) return { result: stored, joined: true };
      // The holder left nothing (it crashed, or what it stored is gone): take the lock and try.
    }
  }

  private async waitForRelease(lockKey: string, deadline: number): Promise<void> {
    while (await this.lock.isHeld(lockKey)) {
      if (this.clock.now().getTime() >= deadline) {
        throw new UpstreamTimeoutError(
          `Another replica has been generating this scene for ${Math.round(this.settings.maxWaitMs / 1000)} s; try again shortly`,
        );
      }
      await sleep(this.settings.pollMs);
    }
  }

  private async failureOf(failureKey: string, flight: string): Promise<SerializedError | undefined> {
    const raw = await viaRedis(() => this.redis.get(failureKey));
    if (!raw) return undefined;
    const record = JSON.parse(raw) as FailureRecord;
    return record.flight === flight ? record.error : undefined;
  }
}
