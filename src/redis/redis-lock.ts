import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { viaRedis } from './redis-errors.js';

// Only the holder (the token it set) may extend or release: a lock that expired and was
// taken by another replica is never released by the first.
const EXTEND_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface HeldLock {
  /** This holding's own token: what `holderOf` answers while it lasts. */
  readonly token: string;
  /** Stops the heartbeat and releases the lock if this holder still has it. */
  release(): Promise<void>;
}

/**
 * A lock shared by every replica on one Redis, with a time to live: the holder's heartbeat
 * extends it while the holder is alive, so a crashed holder blocks a key for one TTL at most.
 * Redis out of reach is a 503 (`redisUnavailable`).
 */
export class RedisLock {
  constructor(
    private readonly redis: Redis,
    /** How long the lock outlives a holder that stopped renewing it. */
    readonly ttlMs: number,
  ) {}

  /** Takes the lock, or answers null when another holder has it. */
  async tryAcquire(key: string): Promise<HeldLock | null> {
    const token = randomUUID();
    const taken = await viaRedis(() => this.redis.set(key, token, 'PX', this.ttlMs, 'NX'));
    if (taken !== 'OK') return null;
    const heartbeat = setInterval(() => {
      this.redis.eval(EXTEND_IF_HELD, 1, key, token, this.ttlMs).catch(() => undefined); // the next beat retries
    }, Math.max(10, Math.floor(this.ttlMs / 3)));
    heartbeat.unref();
    return {
      token,
      release: async () => {
        clearInterval(heartbeat);
        await this.redis.eval(RELEASE_IF_HELD, 1, key, token);
      },
    };
  }

  async isHeld(key: string): Promise<boolean> {
    return (await viaRedis(() => this.redis.exists(key))) === 1;
  }

  /** The token of whoever holds the lock now, or null. */
  holderOf(key: string): Promise<string | null> {
    return viaRedis(() => this.redis.get(key));
  }
}
