import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SingleFlight } from '../common/single-flight.js';
import { ImagesService } from '../images/images.service.js';
import { GenerationJobs, type JobOptions, type JobView } from '../jobs/generation-jobs.service.js';
import { type SceneCommand, type SceneResult, ScenesService } from './scenes.service.js';

/**
 * Scene requests: a cache hit is answered at once; a miss is a job, run by ScenesService
 * (which looks in the cache again: another job may have drawn it meanwhile).
 */
@Injectable()
export class SceneJobs implements OnModuleInit {
  private readonly waiting = new SingleFlight<SceneResult>();

  constructor(
    private readonly jobs: GenerationJobs,
    private readonly scenes: ScenesService,
    private readonly images: ImagesService,
  ) {}

  onModuleInit(): void {
    this.jobs.define('scene', {
      // Checked already: every scene request asks the cache first (answer, answerOrSubmit), which refuses a bad one.
      check: async () => undefined,
      run: (command, job) => this.scenes.generate(command, job),
      record: ({ image, cached, cacheKey, expiresAt, hitCount }) => ({
        imageId: image.id,
        result: {
          cached,
          cacheKey,
          expiresAt: expiresAt.toISOString(),
          hitCount,
        },
      }),
      revive: async (job) => {
        const recorded = job.result as Omit<SceneResult, 'image' | 'expiresAt'> & { expiresAt: string };
        return {
          ...recorded,
          expiresAt: new Date(recorded.expiresAt),
          image: await this.images.findOne(job.imageId!),
        };
      },
    });
  }

  /**
   * The answer: from the cache, or once its job has run. Identical requests waiting here share
   * one job (and so one place in the line); across replicas the job's flight is shared.
   */
  async answer(command: SceneCommand, options: JobOptions = {}): Promise<SceneResult> {
    // A retry under an Idempotency-Key gets its first try's answer, not a cache hit since.
    const earlier = await this.jobs.findEarlier('scene', command, options);
    if (earlier) return this.jobs.wait(earlier);
    const { cacheKey, hit } = await this.scenes.lookup(command);
    if (hit) return hit;
    const job = this.waiting.run(cacheKey, () => this.jobs.perform('scene', command, options));
    const result = await job.result;
    if (job.joined) this.scenes.countJoinedMiss();
    return result;
  }

  /** From the cache at once, or the queued job that will draw it. */
  async answerOrSubmit(command: SceneCommand, options: JobOptions = {}): Promise<{ hit: SceneResult } | { job: JobView }> {
    if (await this.jobs.findEarlier('scene', command, options)) return { job: await this.jobs.submit('scene', command, options) };
    const { hit } = await this.scenes.lookup(command);
    return hit ? { hit } : { job: await this.jobs.submit('scene', command, options) };
  }
}
