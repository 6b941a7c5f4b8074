import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { seconds, ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { Clock } from '../clock.js';
import { AppConfig } from '../../config/app-config.js';
import { type OptionalRedis, REDIS } from '../../redis/redis.module.js';
import { RATE_LIMIT_NAMES, RATE_LIMITS } from './rate-limits.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';
import { SlidingWindowThrottlerStorage } from './sliding-window.storage.js';

function throttlerOptions(config: AppConfig, redis: OptionalRedis, clock: Clock): ThrottlerModuleOptions {
  return {
    throttlers: RATE_LIMIT_NAMES.map((name) => ({
      name,
      limit: RATE_LIMITS[name].limit(config),
      ttl: seconds(config.rateLimit.windowSeconds),
      // A sliding window without a penalty: refused requests are not counted, and a client may
      // retry as soon as its oldest counted request is a window old (which Retry-After says).
      blockDuration: 0,
    })),
    // The one place that decides where counts live: Redis when replicas share one (each would
    // otherwise count separately, multiplying every limit), else this process's memory.
    storage: redis ? new RedisThrottlerStorage(redis, clock) : new SlidingWindowThrottlerStorage(clock),
  };
}

/**
 * Per-client limits on the expensive routes (those marked `@RateLimited(name)`). The
 * ThrottlerModule it sets up is global, so RateLimitGuard resolves its options and storage
 * in whichever feature module uses it.
 */
@Module({
  imports: [ThrottlerModule.forRootAsync({ useFactory: throttlerOptions, inject: [AppConfig, REDIS, Clock] })],
})
export class RateLimitModule implements OnModuleInit {
  private readonly logger = new Logger('RateLimit');

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    const { enabled, requestsPerMinute, scenesPerMinute, windowSeconds } = this.config.rateLimit;
    if (!enabled) {
      this.logger.warn('Rate limits are OFF (RATE_LIMIT_ENABLED=false): generation routes accept any number of requests');
      return;
    }
    const where = this.config.redis ? 'counted in Redis across replicas' : 'counted in this process';
    this.logger.log(`Rate limits per client: ${requestsPerMinute} image and ${scenesPerMinute} scene generations per ${windowSeconds} s (${where})`);
    if (this.config.http.trustProxy === true) {
      // Express then takes the leftmost X-Forwarded-For entry, which the client writes itself.
      this.logger.warn(
        'TRUST_PROXY=true trusts every hop, so clients can forge their address and dodge rate limits; set it to your proxy (e.g. TRUST_PROXY=loopback) instead',
      );
    }
  }
}
