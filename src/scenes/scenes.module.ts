import { SceneJobs } from './scene-jobs.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationModule } from '../generation/generation.module.js';
import { longestGenerationMs } from '../generation/longest-generation.js';
import { ImagesModule } from '../images/images.module.js';
import { type OptionalRedis, REDIS } from '../redis/redis.module.js';
import { InProcessFlights, RedisFlights, ReplicaFlights } from './replica-flights.js';
import { SceneCacheCounters, SceneCacheEntry } from './scene-cache-entry.entity.js';
import { ScenesController } from './scenes.controller.js';
import { ScenesRepository } from './scenes.repository.js';
import { ScenesService } from './scenes.service.js';
import { HotSceneCache } from './hot-scene-cache.js';
import { SceneFlights } from './scene-flights.js';
import { SceneHitCounter } from './scene-hit-counter.js';

@Module({
  imports: [TypeOrmModule.forFeature([SceneCacheEntry, SceneCacheCounters]), ImagesModule, GenerationModule],
  controllers: [ScenesController],
  providers: [
    ScenesRepository,
    ScenesService,
    SceneJobs,
    HotSceneCache,
    SceneHitCounter,
    SceneFlights,
    {
      provide: ReplicaFlights,
      inject: [AppConfig, REDIS, Clock],
      useFactory: (config: AppConfig, redis: OptionalRedis, clock: Clock) =>
        redis ? new RedisFlights(redis, sceneFlightSettings(config), 'scene-flight', clock) : new InProcessFlights(),
    },
  ],
  exports: [ScenesService, SceneJobs],
})
export class ScenesModule {}

/** Waiters give up only after the holder's generation could have run out of retries. */
function sceneFlightSettings(config: AppConfig) {
  return { lockTtlMs: 30_000, pollMs: 100, maxWaitMs: longestGenerationMs(config) };
}
