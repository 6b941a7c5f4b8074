/**
 * The service's own generation pipeline, in-process: the compiled AppModule, booted as
 * dist/src/main.js boots it (configuration from the environment, migrations, every module)
 * but not listening, and ImagesService.store(): ImageProcessor (decode once, full WebP and
 * thumbnail), FileStore's atomic writes of both files, and the row in a write transaction
 * (with the per-item limit check). That is what generate() runs once the provider has
 * answered; the HTTP request around it and the provider call are not part of the measurement.
 *
 *   node dist/bench/pipeline-service-worker.js     (with the service's environment; IPC jobs)
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import type { AspectRatio } from '../src/generation/image-provider.js';
import { ImagesService } from '../src/images/images.service.js';
import { PIPELINE_ROW, servePipelineJobs } from './lib/pipeline-worker.js';

const app = await NestFactory.create(await AppModule.forRoot(), { logger: ['error', 'warn'] });
await app.init();
const images = app.get(ImagesService);

servePipelineJobs(async (input, job) => {
  await images.store(
    input,
    {
      ...PIPELINE_ROW,
      style: null,
      itemId: null,
      itemType: null,
      aspectRatio: job.aspectRatio as AspectRatio,
    },
    { enforceItemLimit: true },
  );
});
