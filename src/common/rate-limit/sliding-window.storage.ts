import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../clock.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How many increments between sweeps of clients whose every request has left the window. */
const SWEEP_EVERY = 1000;

/**
 * One process's per-client sliding windows, timed by the injected clock (so tests move time
 * instead of waiting for it). Like RedisThrottlerStorage, with `blockDuration: 0` only: a
 * refused request is not counted, and the client may retry as soon as its oldest counted
 * request leaves the window.
 */
export class SlidingWindowThrottlerStorage implements ThrottlerStorage {
  /** Per key, when each counted request stops counting (ascending). */
  private readonly windows = new Map<string, number[]>();
  private incrementsSinceSweep = 0;

  constructor(private readonly clock: Clock) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (blockDuration > 0) throw new Error('SlidingWindowThrottlerStorage supports blockDuration 0 only');
    const now = this.clock.now().getTime();
    if (++this.incrementsSinceSweep >= SWEEP_EVERY) this.sweep(now);
    const id = `${throttlerName}:${key}`;
    const window = (this.windows.get(id) ?? []).filter((expiresAt) => expiresAt > now);
    const blocked = window.length >= limit;
    if (!blocked) window.push(now + ttl);
    this.windows.set(id, window);
    const timeToExpire = Math.max(0, Math.ceil((window[0] - now) / 1000));
    return Promise.resolve({
      totalHits: window.length + (blocked ? 1 : 0),
      timeToExpire,
      isBlocked: blocked,
      timeToBlockExpire: blocked ? timeToExpire : 0,
    });
  }

  private sweep(now: number): void {
    this.incrementsSinceSweep = 0;
    for (const [id, window] of this.windows) if (window[window.length - 1] <= now) this.windows.delete(id);
  }
}
