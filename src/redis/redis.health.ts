import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { messageOf } from '../common/errors.js';
import { InjectRedis, type OptionalRedis } from './redis.module.js';

const PING_TIMEOUT_MS = 1000;

/** `redis` in /health when REDIS_URL is set: degraded when it cannot be reached. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @InjectRedis() private readonly redis: OptionalRedis,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get enabled(): boolean {
    return this.redis !== null;
  }

  async check(): Promise<HealthIndicatorResult<'redis'>> {
    const check = this.indicators.check('redis');
    if (!this.redis) return check.up({ message: 'not configured (REDIS_URL unset)' });
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS))),
      ]);
      return check.up({ latencyMs: Math.round((performance.now() - started) * 10) / 10 });
    } catch (error) {
      // Degraded, not down: reads need no Redis, and every replica shares this Redis, so a
      // balancer taking "down" replicas out would take them all. Generations answer 503 meanwhile.
      return check.degraded({ message: `${messageOf(error)}; generations answer 503 until Redis is back` });
    } finally {
      clearTimeout(timer);
    }
  }
}
