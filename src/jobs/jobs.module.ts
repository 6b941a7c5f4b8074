import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationJobEntity } from './generation-job.entity.js';
import { GenerationJobsRepository } from './generation-jobs.repository.js';
import { GenerationJobs } from './generation-jobs.service.js';
import { BullGenerationQueue } from './bullmq-generation-queue.js';
import { GenerationQueue, InProcessGenerationQueue } from './generation-queue.js';
import { JOBS_METRICS } from './jobs.metrics.js';
import { WebhookTargets } from './webhook-targets.js';

/**
 * Generation as jobs: their rows, the queue that bounds them by the provider's limits, and
 * GenerationJobs, which the modules owning the work (images, scenes) define their kinds on.
 */
@Module({
  imports: [TypeOrmModule.forFeature([GenerationJobEntity])],
  providers: [
    GenerationJobsRepository,
    WebhookTargets,
    ...JOBS_METRICS,
    GenerationJobs,
    {
      provide: GenerationQueue,
      inject: [AppConfig, Clock],
      // With Redis the line is shared by the replicas (BullMQ); without it, it is this process's.
      useFactory: (config: AppConfig, clock: Clock) =>
        config.redis ? new BullGenerationQueue({ ...config.jobs, redisUrl: config.redis.url, keyPrefix: config.redis.keyPrefix }, clock) : new InProcessGenerationQueue(config.jobs, clock),
    },
  ],
  exports: [GenerationJobs, GenerationJobsRepository, WebhookTargets, ...JOBS_METRICS],
})
export class JobsModule {}
