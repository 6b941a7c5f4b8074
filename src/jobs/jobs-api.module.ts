import { Module } from '@nestjs/common';
import { ImagesModule } from '../images/images.module.js';
import { JobEventStream } from './job-event-stream.js';
import { JobPresenter } from './job-presenter.js';
import { JobWebhooks } from './job-webhooks.js';
import { WebhookSender } from './webhook-sender.js';
import { JobsController } from './jobs.controller.js';
import { JobsModule } from './jobs.module.js';

/** `/api/v2/jobs`: following and cancelling jobs. Apart from JobsModule, which the modules defining kinds import. */
@Module({
  imports: [JobsModule, ImagesModule],
  controllers: [JobsController],
  providers: [JobPresenter, JobEventStream, JobWebhooks, WebhookSender],
})
export class JobsApiModule {}
