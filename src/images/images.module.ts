import { JobsModule } from '../jobs/jobs.module.js';
import { ImageJobKinds } from './image-job-kinds.js';
import { Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GenerationModule } from '../generation/generation.module.js';
import { longestGenerationMs } from '../generation/longest-generation.js';
import { StorageModule } from '../storage/storage.module.js';
import { Clock } from '../common/clock.js';
import { type OptionalRedis, REDIS } from '../redis/redis.module.js';
import { AppConfig } from '../config/app-config.js';
import { ImageEntity } from './image.entity.js';
import { GeminiDailyCap } from './gemini-daily-cap.js';
import { GeminiReservations, InProcessReservations, RedisReservations } from './gemini-reservations.js';
import { ImageFileCache } from './image-file-cache.js';
import { ImagesController } from './images.controller.js';
import { IMAGES_METRICS } from './images.metrics.js';
import { ImagesRepository } from './images.repository.js';
import { ImageStoreIndicator } from './images.health.js';
import { ImagesService } from './images.service.js';

/** How long a cached file is served before the database is asked again whether it still exists. */
const FILE_CACHE_TTL_MS = 60_000;

@Module({
  imports: [TypeOrmModule.forFeature([ImageEntity]), StorageModule, GenerationModule, JobsModule],
  controllers: [ImagesController],
  providers: [
    ImagesRepository,
    ImagesService,
    ImageJobKinds,
    ...IMAGES_METRICS,
    // Terminus' session factory (stateless): modules hand the health module registered indicators.
    HealthIndicatorService,
    ImageStoreIndicator,
    {
      provide: ImageFileCache,
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock) =>
        new ImageFileCache({ maxBytes: config.storage.fileCacheBytes, ttlMs: FILE_CACHE_TTL_MS, now: () => clock.now().getTime() }),
    },
    GeminiDailyCap,
    {
      provide: GeminiReservations,
      inject: [AppConfig, REDIS],
      // A reservation outlives its generation's every attempt, then lapses (a crashed replica's).
      useFactory: (config: AppConfig, redis: OptionalRedis) =>
        redis ? new RedisReservations(redis, longestGenerationMs(config)) : new InProcessReservations(),
    },
  ],
  exports: [ImagesService, ImageFileCache, ImageStoreIndicator, JobsModule],
})
export class ImagesModule {}
