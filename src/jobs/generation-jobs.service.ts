import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Clock } from '../common/clock.js';
import { ConflictError, NotFoundError, reviveError, serializeError } from '../common/errors.js';
import { GenerationJobEntity, isFinished, type JobKind } from './generation-job.entity.js';
import { GenerationJobsRepository } from './generation-jobs.repository.js';
import { GenerationQueue } from './generation-queue.js';
import type { JobKinds } from './job-kinds.js';

/** How a kind of job is checked, run and recorded; the module that owns the work defines it. */
export interface JobKindHandler<Request extends object, Result> {
  /**
   * The refusals a request gets at once, before it waits in the queue (a size the model does
   * not draw, a missing reference): an asynchronous request then fails with its 4xx, not later.
   */
  check(request: Request): Promise<void>;
  run(request: Request, jobId: string): Promise<Result>;
  /** What the job's row keeps of the result: the image, and anything else its answer needs. */
  record(result: Result): { imageId: string; result: object | null };
}

/** A job as it stands, with its place in the line while it waits. */
export interface JobView {
  job: GenerationJobEntity;
  /** Jobs ahead of it; null unless queued. */
  queuePosition: number | null;
}

/** A job run again after a restart interrupted it, but not a second time. */
const MAX_ATTEMPTS = 2;

interface Waiter {
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * Every generation is a job: a row from the moment it is asked for, waiting in the
 * GenerationQueue for a slot with the provider, then run by its kind's handler. A synchronous
 * request waits for its job here; an asynchronous one gets the job's id and follows it
 * (GET, events). Jobs not finished when the process stopped are taken up again at boot.
 */
@Injectable()
export class GenerationJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GenerationJobs.name);
  private readonly handlers = new Map<JobKind, JobKindHandler<object, unknown>>();
  /** Synchronous requests waiting in this process, by job id: they get the result itself. */
  private readonly waiters = new Map<string, Waiter>();
  /** `change` (a job's new state, by id) and `moved` (the line moved). */
  private readonly events = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly clock: Clock,
    private readonly repository: GenerationJobsRepository,
    private readonly queue: GenerationQueue,
  ) {
    queue.onMove(() => this.events.emit('moved'));
  }

  define<Kind extends JobKind>(kind: Kind, handler: JobKindHandler<JobKinds[Kind]['request'], JobKinds[Kind]['result']>): void {
    this.handlers.set(kind, handler as JobKindHandler<object, unknown>);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const job of await this.repository.unfinished()) {
      if (job.status === 'running' && job.attempts >= MAX_ATTEMPTS) {
        const error = new ConflictError(`The job was interrupted ${job.attempts} times while running; it is not tried again`);
        await this.repository.finish(job.id, { status: 'failed', error: serializeError(error) }, this.clock.now());
        continue;
      }
      if (job.status === 'running') {
        this.logger.warn(`Job ${job.id} was interrupted while running; it runs again`);
        await this.repository.requeue(job.id);
      }
      await this.queue.add(job.id);
    }
    this.queue.process((jobId) => this.run(jobId));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  /** Checks and queues a job; answers it as it stands (queued, with its place in the line). */
  async submit<Kind extends JobKind>(kind: Kind, request: JobKinds[Kind]['request']): Promise<JobView> {
    return this.find(await this.enqueue(kind, request));
  }

  /** Checks, queues and waits for a job: what the synchronous routes answer (or throw). */
  async perform<Kind extends JobKind>(kind: Kind, request: JobKinds[Kind]['request']): Promise<JobKinds[Kind]['result']> {
    const id = randomUUID();
    const result = new Promise<JobKinds[Kind]['result']>((resolve, reject) => this.waiters.set(id, { resolve: resolve as (result: unknown) => void, reject }));
    try {
      await this.enqueue(kind, request, id);
    } catch (error) {
      this.waiters.delete(id);
      throw error;
    }
    return result;
  }

  async find(id: string): Promise<JobView> {
    const job = await this.repository.findById(id);
    if (!job) throw new NotFoundError(`No job ${id} (finished jobs are kept JOB_RETENTION_DAYS)`);
    // A queued job no longer in the line is being started.
    const queuePosition = job.status === 'queued' ? ((await this.queue.position(id)) ?? 0) : null;
    return { job, queuePosition };
  }

  /** Cancels a job that has not started; a started or finished one cannot be (409). */
  async cancel(id: string): Promise<JobView> {
    const { job } = await this.find(id);
    if (job.status !== 'queued' || !(await this.repository.cancel(id, this.clock.now()))) {
      throw new ConflictError(`Job ${id} is ${(await this.find(id)).job.status}; only a queued job can be cancelled`);
    }
    await this.queue.remove(id);
    this.settle(id, undefined, new ConflictError(`Job ${id} was cancelled`));
    return this.changed(id);
  }

  /**
   * Calls `listener` with the job as it stands now and at each change (its place in the line
   * included) until it finishes; answers the function that stops listening.
   */
  watch(id: string, listener: (view: JobView) => void): () => void {
    let last = '';
    const report = (view: JobView) => {
      const seen = `${view.job.status}:${view.queuePosition}`;
      if (seen === last) return;
      last = seen;
      listener(view);
      if (isFinished(view.job.status)) stop();
    };
    const onChange = (view: JobView) => view.job.id === id && report(view);
    const onMove = () => {
      if (last.startsWith('queued:')) void this.find(id).then(report, () => undefined);
    };
    const stop = () => {
      this.events.off('change', onChange);
      this.events.off('moved', onMove);
    };
    this.events.on('change', onChange);
    this.events.on('moved', onMove);
    void this.find(id).then(report, () => undefined);
    return stop;
  }

  /** Deletes finished jobs older than `before`; answers how many. */
  deleteFinishedBefore(before: Date): Promise<number> {
    return this.repository.deleteFinishedBefore(before);
  }

  private async enqueue(kind: JobKind, request: object, id: string = randomUUID()): Promise<string> {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`No handler for ${kind} jobs`);
    await handler.check(request);
    await this.repository.insert(
      Object.assign(new GenerationJobEntity(), {
        id,
        kind,
        status: 'queued',
        request,
        imageId: null,
        result: null,
        error: null,
        attempts: 0,
        createdAt: this.clock.now(),
        startedAt: null,
        finishedAt: null,
      } satisfies GenerationJobEntity),
    );
    await this.queue.add(id);
    return id;
  }

  private async run(id: string): Promise<void> {
    if (!(await this.repository.start(id, this.clock.now()))) return; // cancelled meanwhile
    const view = await this.changed(id);
    const handler = this.handlers.get(view.job.kind)!;
    let result: unknown;
    try {
      result = await handler.run(view.job.request, id);
    } catch (error) {
      await this.repository.finish(id, { status: 'failed', error: serializeError(error) }, this.clock.now());
      this.settle(id, undefined, error);
      await this.changed(id);
      return;
    }
    await this.repository.finish(id, { status: 'succeeded', ...handler.record(result) }, this.clock.now());
    this.settle(id, result);
    await this.changed(id);
  }

  private settle(id: string, result: unknown, error?: unknown): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.waiters.delete(id);
    if (error === undefined) waiter.resolve(result);
    else waiter.reject(error);
  }

  /** Reads the job again and tells its watchers. */
  private async changed(id: string): Promise<JobView> {
    const view = await this.find(id);
    this.events.emit('change', view);
    return view;
  }
}

/** A failed job's error, as the synchronous route would have thrown it. */
export function errorOf(job: GenerationJobEntity): Error | undefined {
  return job.error ? reviveError(job.error) : undefined;
}
