import { Injectable, type OnModuleInit } from '@nestjs/common';
import { GenerationJobs } from '../jobs/generation-jobs.service.js';
import type { ImageEntity } from './image.entity.js';
import { ImagesService } from './images.service.js';

/** A job's record of an image it made. */
const recordImage = (image: ImageEntity) => ({ imageId: image.id, result: null });

/** Generations and edits as jobs: checked when asked for, run by ImagesService when their turn comes. */
@Injectable()
export class ImageJobKinds implements OnModuleInit {
  constructor(
    private readonly jobs: GenerationJobs,
    private readonly images: ImagesService,
  ) {}

  onModuleInit(): void {
    this.jobs.define('image', {
      check: (command) => this.images.checkGenerate(command),
      run: (command, job) => this.images.generate(command, job),
      record: recordImage,
      revive: (job) => this.images.findOne(job.imageId!),
    });
    this.jobs.define('edit', {
      check: ({ parentId, ...command }) => this.images.checkEdit(parentId, command),
      run: ({ parentId, ...command }, job) => this.images.edit(parentId, command, job),
      record: recordImage,
      revive: (job) => this.images.findOne(job.imageId!),
    });
  }
}
