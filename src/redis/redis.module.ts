import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { messageOf } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { redactUrlPassword } from '../config/database-url.js';
import { logConnectionErrors } from './redis-errors.js';
import { NoOtherReplicas, RedisReplicaEvents, ReplicaEvents } from './replica-events.js';

/** The shared Redis connection, or null when REDIS_URL is unset (one process, in-memory state). */
export const REDIS = Symbol('REDIS');
export type OptionalRedis = Redis | null;

/** Injects the optional shared Redis connection. */
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

/** How long boot waits for Redis before saying REDIS_URL is wrong. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects once at boot, so a wrong REDIS_URL stops the service with a clear message instead
 * of failing requests later. Commands then retry through short outages (ioredis reconnects).
 */
export async function connectRedis(config: AppConfig['redis']): Promise<OptionalRedis> {
  if (!config) return null;
  const client = new Redis(config.url, {
    keyPrefix: config.keyPrefix,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A request waits for at most a few reconnect attempts, then fails instead of hanging.
    maxRetriesPerRequest: 3,
    connectionName: 'dnd-image-service',
  });
  logConnectionErrors(client, new Logger('Redis'), 'Redis connection');
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = messageOf(error);
    throw new Error(`REDIS_URL: could not connect to ${redactUrlPassword(config.url)} (${reason})`);
  }
  return client;
}

/** Closes the connection last, after the modules that use it have flushed. */
class RedisShutdown implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@InjectRedis() private readonly redis: OptionalRedis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch((error: unknown) => this.logger.warn(`Closing Redis: ${String(error)}`));
  }
}

/**
 * Redis, when REDIS_URL asks for it: replicas share rate-limit counts, scene locks and Gemini
 * reservations through it, and tell each other what to drop from their caches (ReplicaEvents).
 * Features pick their in-memory or Redis adapter from `REDIS`.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const redis = await connectRedis(config.redis);
        if (config.redis) new Logger('Redis').log(`Shared state in Redis at ${redactUrlPassword(config.redis.url)} (keys under "${config.redis.keyPrefix}")`);
        return redis;
      },
    },
    RedisShutdown,
    {
      provide: ReplicaEvents,
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: OptionalRedis) => (redis && config.redis ? new RedisReplicaEvents(redis, config.redis.keyPrefix) : new NoOtherReplicas()),
    },
  ],
  exports: [REDIS, ReplicaEvents],
})
export class RedisModule {}
