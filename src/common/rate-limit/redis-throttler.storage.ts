import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { viaRedis } from '../../redis/redis-errors.js';
import type { Clock } from '../clock.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One client's sliding window as a sorted set of its counted requests, scored by when each
 * stops counting. Pruning, counting and adding run in one script, so replicas sharing the
 * Redis can never both take the last slot. Time is the service's clock (replicas keep theirs
 * in step with NTP, as for job leases), so tests move it instead of waiting.
 * Returns { hits counted including this one, ms until the oldest stops counting, blocked }.
 */
const SLIDING_WINDOW = `
local key, ttl, limit, member, now = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local counted = redis.call('ZCARD', key)
local blocked = 0
if counted >= limit then
  blocked = 1
else
  redis.call('ZADD', key, now + ttl, member)
  redis.call('PEXPIRE', key, ttl)
  counted = counted + 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return { counted + blocked, tonumber(oldest[2]) - now, blocked }
`;

/**
 * The throttler's storage in Redis, so the per-client limits hold across every replica.
 * Same behaviour as the in-memory storage with `blockDuration: 0` (the only one this service
 * uses): a refused request is not counted, and the client may retry as soon as its oldest
 * counted request leaves the window. Without Redis the limit cannot be checked: 503, never
 * an unlimited pass.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (blockDuration > 0) throw new Error('RedisThrottlerStorage supports blockDuration 0 only');
    const [totalHits, msUntilSlotFrees, blocked] = (await viaRedis(() =>
      this.redis.eval(SLIDING_WINDOW, 1, `throttle:${throttlerName}:${key}`, ttl, limit, randomUUID(), this.clock.now().getTime()),
    )) as [number, number, number];
    const timeToExpire = Math.max(0, Math.ceil(msUntilSlotFrees / 1000));
    return { totalHits, timeToExpire, isBlocked: blocked === 1, timeToBlockExpire: blocked === 1 ? timeToExpire : 0 };
  }
}
