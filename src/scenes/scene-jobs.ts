import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SingleFlight } from '../common/single-flight.js';
import { GenerationJobs, type JobView } from '../jobs/generation-jobs.service.js';
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
  ) {}

  onModuleInit(): void {
    this.jobs.define('scene', {
      // Checked already: every scene request asks the cache first (answer, answerOrSubmit), which refuses a bad one.
      check: async () => undefined,
      run: (command) => this.scenes.generate(command),
      record: ({ image, cached, cacheKey, expiresAt, hitCount }) => ({ imageId: image.id, result: { cached, cacheKey, expiresAt: expiresAt.toISOString(), hitCount } }),
    });
  }

  /**
   * The answer: from the cache, or once its job has run. Identical requests waiting here share
   * one job (and so one place in the line); across replicas the job's flight is shared.
   */
  async answer(command: SceneCommand): Promise<SceneResult> {
    const { cacheKey, hit } = await this.scenes.lookup(command);
    if (hit) return hit;
    const job = this.waiting.run(cacheKey, () => this.jobs.perform('scene', command));
    const result = await job.result;
    if (job.joined) this.scenes.countJoinedMiss();
    return result;
  }

  /** From the cache at once, or the queued job that will draw it. */
  async answerOrSubmit(command: SceneCommand): Promise<{ hit: SceneResult } | { job: JobView }> {
    const { hit } = await this.scenes.lookup(command);
    return hit ? { hit } : { job: await this.jobs.submit('scene', command) };
  }
}
