import { JobsApiModule } from './jobs/jobs-api.module.js';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AdoptionModule } from './import/adoption/adoption.module.js';
import { CommonModule } from './common/common.module.js';
import { ErrorResponseFilter } from './common/http/error-response.filter.js';
import { LoggingModule } from './common/logging/logging.module.js';
import { RequestValidationPipe } from './common/http/validation.js';
import { MetricsModule } from './common/metrics/metrics.module.js';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import { AppConfigModule, type AppConfigOptions } from './config/app-config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { ImagesModule } from './images/images.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { ImportModule } from './import/import.module.js';
import { RedisModule } from './redis/redis.module.js';
import { ScenesModule } from './scenes/scenes.module.js';
import { SeedApiModule } from './seed-api/seed-api.module.js';

@Module({})
export class AppModule {
  /** `options.env` replaces .env and process.env (tests); without it the real environment is read. */
  static async forRoot(options: AppConfigOptions = {}): Promise<DynamicModule> {
    return {
      module: AppModule,
      imports: [await AppConfigModule.forRoot(options), LoggingModule, CommonModule, EventEmitterModule.forRoot(), DatabaseModule, RedisModule, MetricsModule, ScheduleModule.forRoot(), RateLimitModule, ImagesModule, ScenesModule, JobsApiModule, MaintenanceModule, ImportModule, AdoptionModule, SeedApiModule, HealthModule],
      providers: [
        { provide: APP_PIPE, useClass: RequestValidationPipe },
        { provide: APP_FILTER, useClass: ErrorResponseFilter },
      ],
    };
  }
}
