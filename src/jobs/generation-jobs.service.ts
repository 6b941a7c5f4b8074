import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { METRICS } from '../common/metrics/metric-names.js';
import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Clock } from '../common/clock.js';
import { ConflictError, IdempotencyKeyReusedError, messageOf, NotFoundError, ProviderQuotaError, reviveError, serializeError, StillRunningError } from '../common/errors.js';
import { GenerationJobEntity, isFinished, type JobKind } from './generation-job.entity.js';
import { type JobEnding, GenerationJobsRepository } from './generation-jobs.repository.js';
import { GenerationQueue, type JobRunOutcome } from './generation-queue.js';
import { AppConfig } from '../config/app-config.js';
import type { JobKinds, JobRun } from './job-kinds.js';
import { WebhookTargets } from './webhook-targets.js';

/** How a kind of job is checked, run and recorded; the module that owns the work defines it. */
export interface JobKindHandler<Request extends object, Result> {
  /**
   * The refusals a request gets at once, before it waits in the queue (a size the model does
   * not draw, a missing reference): an asynchronous request then fails with its 4xx, not later.
   */
  check(request: Request): Promise<void>;
  run(request: Request, job: JobRun): Promise<Result>;
  /** What the job's row keeps of the result: the image, and anything else its answer needs. */
  record(result: Result): { imageId: string; result: object | null };
  /** The result again from a succeeded job's row (for a retry under its Idempotency-Key). */
  revive(job: GenerationJobEntity): Promise<Result>;
}

/** How a request asked for its job. */
export interface JobOptions {
  /** The client's Idempotency-Key: the same key with the same request within 24 h is the same job. */
  idempotencyKey?: string;
  /** Where to POST the job's ending (a webhook); checked against WEBHOOK_ALLOWED_HOSTS now. */
  callbackUrl?: string;
}

/** A job as it stands, with its place in the line while it waits. */
export interface JobView {
  job: GenerationJobEntity;
  /** Jobs ahead of it; null unless queued. */
  queuePosition: number | null;
}

/** A job run again after a restart interrupted it, but not a second time. */
const MAX_ATTEMPTS = 2;
/** How long an Idempotency-Key holds. */
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** Gemini's per-minute quota refills within a minute; when it says nothing, wait that. */
const DEFAULT_QUOTA_WAIT_SECONDS = 60;
/** What a retry of a job still running is told to wait. */
const STILL_RUNNING_RETRY_AFTER_SECONDS = 5;

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
  private readonly waiters = new Map<string, Waiter[]>();
  /** `change` (a job's new state, by id) and `moved` (the line moved). */
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly endedHere: Array<(view: JobView) => void> = [];
  private draining?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repository: GenerationJobsRepository,
    private readonly queue: GenerationQueue,
    private readonly webhookTargets: WebhookTargets,
    @InjectMetric(METRICS.jobWait) private readonly waited: Histogram<'kind'>,
    @InjectMetric(METRICS.jobRun) private readonly ran: Histogram<'kind' | 'status'>,
    @InjectMetric(METRICS.jobQuotaWaits) private readonly quotaWaits: Counter,
  ) {
    queue.onChange((jobId) => {
      this.events.emit('moved');
      if (jobId) void this.startedOrEndedElsewhere(jobId);
    });
  }

  define<Kind extends JobKind>(kind: Kind, handler: JobKindHandler<JobKinds[Kind]['request'], JobKinds[Kind]['result']>): void {
    this.handlers.set(kind, handler as JobKindHandler<object, unknown>);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.queue.durable) await this.takeUpUnfinished();
    this.queue.process((jobId, freeSlot) => this.run(jobId, freeSlot));
  }

  /** An in-memory line was lost with the process: its jobs wait again, from their rows. */
  private async takeUpUnfinished(): Promise<void> {
    for (const job of await this.repository.unfinished()) {
      if (job.status === 'running' && job.attempts >= MAX_ATTEMPTS) {
        await this.giveUp(job);
        continue;
      }
      if (job.status === 'running') {
        this.logger.warn(`Job ${job.id} was interrupted while running; it runs again`);
        await this.repository.requeue(job.id);
      }
      await this.queue.add(job.id);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** Starts no more jobs and resolves once the running ones have ended (at shutdown; JobWebhooks waits for it too). */
  drain(): Promise<void> {
    return (this.draining ??= this.queue.close());
  }

  /**
   * Checks and queues a job; answers it as it stands (queued, with its place in the line). A
   * retry under the same Idempotency-Key answers the first try's job, or 409 while it runs.
   */
  async submit<Kind extends JobKind>(kind: Kind, request: JobKinds[Kind]['request'], options: JobOptions = {}): Promise<JobView> {
    const { id, repeated } = await this.enqueue(kind, request, randomUUID(), options);
    const view = await this.find(id);
    if (repeated && !isFinished(view.job.status)) {
      throw new StillRunningError(`The job for this Idempotency-Key (${id}) is ${view.job.status}; follow it at GET /api/v2/jobs/${id}`, STILL_RUNNING_RETRY_AFTER_SECONDS);
    }
    return view;
  }

  /**
   * Checks, queues and waits for a job: what the synchronous routes answer (or throw). A retry
   * under the same Idempotency-Key waits for the first try's job, or answers what it made.
   */
  async perform<Kind extends JobKind>(kind: Kind, request: JobKinds[Kind]['request'], options: JobOptions = {}): Promise<JobKinds[Kind]['result']> {
    const id = randomUUID();
    // Waiting before the job is queued: it may run and end before enqueue returns.
    const result = this.waitHere<JobKinds[Kind]['result']>(id);
    let queued: { id: string; repeated: boolean };
    try {
      queued = await this.enqueue(kind, request, id, options);
    } catch (error) {
      this.waiters.delete(id);
      throw error;
    }
    if (!queued.repeated) return result;
    this.waiters.delete(id);
    return this.wait(queued.id);
  }

  /** The job an Idempotency-Key made for this request within 24 h, if any (422 when for another request). */
  findEarlier(kind: JobKind, request: object, { idempotencyKey }: JobOptions): Promise<string | undefined> {
    return idempotencyKey === undefined ? Promise.resolve(undefined) : this.earlierJob(idempotencyKey, fingerprintOf(kind, request));
  }

  /** The result of a job queued earlier (by this process or another), once it has run. */
  async wait<Result>(id: string): Promise<Result> {
    const result = this.waitHere<Result>(id);
    const { job } = await this.find(id);
    if (isFinished(job.status)) this.settleFromRow(job);
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
    let stopped = false;
    // Each change is read again from the database, one read after another: a read started
    // before a change can never be reported after it.
    let reading = Promise.resolve();
    const refresh = () => {
      reading = reading.then(() => this.find(id).then(report, () => undefined));
    };
    const report = (view: JobView) => {
      const seen = `${view.job.status}:${view.queuePosition}`;
      if (stopped || seen === last) return;
      last = seen;
      listener(view);
      if (isFinished(view.job.status)) stop();
    };
    const onChange = (view: JobView) => view.job.id === id && refresh();
    const onMove = () => last.startsWith('queued:') && refresh();
    const stop = () => {
      stopped = true;
      this.events.off('change', onChange);
      this.events.off('moved', onMove);
    };
    this.events.on('change', onChange);
    this.events.on('moved', onMove);
    refresh();
    return stop;
  }

  /** Deletes finished jobs older than `before`; answers how many. */
  deleteFinishedBefore(before: Date): Promise<number> {
    return this.repository.deleteFinishedBefore(before);
  }

  /** Answers the job's id, and whether it is an earlier request's (same Idempotency-Key and request). */
  private async enqueue(kind: JobKind, request: object, id: string, { idempotencyKey, callbackUrl }: JobOptions): Promise<{ id: string; repeated: boolean }> {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`No handler for ${kind} jobs`);
    const fingerprint = idempotencyKey === undefined ? null : fingerprintOf(kind, request);
    if (idempotencyKey !== undefined) {
      const earlier = await this.earlierJob(idempotencyKey, fingerprint!);
      if (earlier) return { id: earlier, repeated: true };
    }
    if (callbackUrl !== undefined) await this.webhookTargets.resolve(callbackUrl);
    await handler.check(request);
    const job = Object.assign(new GenerationJobEntity(), {
      id,
      kind,
      status: 'queued',
      request,
      imageId: null,
      result: null,
      error: null,
      attempts: 0,
      idempotencyKey: idempotencyKey ?? null,
      fingerprint,
      callbackUrl: callbackUrl ?? null,
      webhookState: null,
      webhookTries: 0,
      webhookDueAt: null,
      createdAt: this.clock.now(),
      startedAt: null,
      finishedAt: null,
    } satisfies GenerationJobEntity);
    try {
      await this.repository.insert(job);
    } catch (error) {
      // Two tries with one key at once: the other one's insert won; this one follows it.
      const earlier = idempotencyKey === undefined ? undefined : await this.earlierJob(idempotencyKey, fingerprint!);
      if (earlier) return { id: earlier, repeated: true };
      throw error;
    }
    await this.queue.add(id);
    return { id, repeated: false };
  }

  /** The job a key made within its 24 h, if any; 422 when that job was asked for something else. */
  private async earlierJob(idempotencyKey: string, fingerprint: string): Promise<string | undefined> {
    const earlier = await this.repository.findByIdempotencyKey(idempotencyKey);
    if (!earlier) return undefined;
    // A lapsed key is free again; so is one whose job failed or was cancelled: nothing was
    // made (or paid) for it, and a retry is exactly what the client should do.
    const lapsed = earlier.createdAt.getTime() <= this.clock.now().getTime() - IDEMPOTENCY_WINDOW_MS;
    if (lapsed || earlier.status === 'failed' || earlier.status === 'cancelled') {
      await this.repository.releaseIdempotencyKey(earlier.id);
      return undefined;
    }
    if (earlier.fingerprint !== fingerprint) {
      throw new IdempotencyKeyReusedError(`Idempotency-Key "${idempotencyKey}" was used within the last 24 h for a different request; use a new key for a new request`);
    }
    return earlier.id;
  }

  private async run(id: string, freeSlot: () => void): Promise<JobRunOutcome> {
    if (!(await this.repository.start(id, this.clock.now(), MAX_ATTEMPTS))) {
      // Cancelled meanwhile (nothing to do), or cut off while running as often as it may be.
      const job = await this.repository.findById(id);
      if (job?.status === 'running') await this.giveUp(job);
      return;
    }
    const view = await this.changed(id);
    this.waited.observe({ kind: view.job.kind }, secondsBetween(view.job.createdAt, view.job.startedAt!));
    const handler = this.handlers.get(view.job.kind)!;
    let result: unknown;
    let slotFreed = false;
    const providerAnswered = () => {
      slotFreed = true;
      freeSlot();
    };
    try {
      result = await handler.run(view.job.request, { id, providerAnswered });
    } catch (error) {
      // A run that gave its slot away cannot go back in line for it: a quota refusal then ends it.
      const waitMs = slotFreed ? undefined : this.quotaWaitMs(view.job, error);
      if (waitMs !== undefined && (await this.repository.backToQueue(id))) {
        this.logger.warn(`Job ${id}: Gemini's quota is spent; the line waits ${Math.round(waitMs / 1000)} s and tries again`);
        this.quotaWaits.inc();
        await this.changed(id);
        return { retryAfterMs: waitMs };
      }
      await this.end(view.job, { status: 'failed', error: serializeError(error) }, undefined, error);
      return;
    }
    await this.end(view.job, { status: 'succeeded', ...handler.record(result) }, result);
  }

  /** Records how a run ended, and tells the requests waiting for it and its watchers. */
  private async end(job: GenerationJobEntity, ending: JobEnding, result: unknown, error?: unknown): Promise<void> {
    const now = this.clock.now();
    await this.repository.finish(job.id, ending, now, { webhook: job.callbackUrl !== null });
    this.ran.observe({ kind: job.kind, status: ending.status }, secondsBetween(job.startedAt ?? now, now));
    this.settle(job.id, result, error);
    const view = await this.changed(job.id);
    for (const listener of this.endedHere) listener(view);
  }

  /** Calls `listener` with each job that ends in this process (its webhook is sent from here). */
  onEnded(listener: (view: JobView) => void): void {
    this.endedHere.push(listener);
  }

  /**
   * How long to wait before trying a job again that met Gemini's own quota (its 429), when it
   * can still end before its deadline (JOB_DEADLINE_SECONDS after it was asked for); else
   * undefined, and it fails as the synchronous route always did. The service's daily cap is
   * not waited out: it lasts until midnight.
   */
  private quotaWaitMs(job: GenerationJobEntity, error: unknown): number | undefined {
    if (!(error instanceof ProviderQuotaError)) return undefined;
    const waitMs = (error.retryAfterSeconds ?? DEFAULT_QUOTA_WAIT_SECONDS) * 1000;
    const deadline = job.createdAt.getTime() + this.config.jobs.deadlineMs;
    return this.clock.now().getTime() + waitMs < deadline ? waitMs : undefined;
  }

  /** A job cut off while running MAX_ATTEMPTS times is not tried again: it might be paid for again. */
  private async giveUp(job: GenerationJobEntity): Promise<void> {
    const error = new ConflictError(`The job was interrupted ${job.attempts} times while running; it is not tried again`);
    await this.end(job, { status: 'failed', error: serializeError(error) }, undefined, error);
  }

  private waitHere<Result>(id: string): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const waiters = this.waiters.get(id) ?? [];
      waiters.push({ resolve: resolve as (result: unknown) => void, reject });
      this.waiters.set(id, waiters);
    });
  }

  private settle(id: string, result: unknown, error?: unknown): void {
    const waiters = this.waiters.get(id);
    if (!waiters) return;
    this.waiters.delete(id);
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve(result);
      else waiter.reject(error);
    }
  }

  /** Settles waiters from a finished job's row: its result revived, or its error. */
  private settleFromRow(job: GenerationJobEntity): void {
    if (job.status === 'succeeded') {
      this.handlers
        .get(job.kind)!
        .revive(job)
        .then(
          (result) => this.settle(job.id, result),
          (error: unknown) => this.settle(job.id, undefined, error),
        );
    } else {
      this.settle(job.id, undefined, job.error ? reviveError(job.error) : new ConflictError(`Job ${job.id} was cancelled`));
    }
  }

  /** Reads the job again and tells its watchers. */
  private async changed(id: string): Promise<JobView> {
    const view = await this.find(id);
    this.events.emit('change', view);
    return view;
  }

  /**
   * A job started or ended, maybe on another replica: watchers here hear of it, and requests
   * here waiting for it get its result from its row. (For a job run here, both happened already.)
   */
  private async startedOrEndedElsewhere(id: string): Promise<void> {
    try {
      const { job } = await this.changed(id);
      if (isFinished(job.status) && this.waiters.has(id)) this.settleFromRow(job);
    } catch (error) {
      this.logger.warn(`Job ${id}: could not read its new state: ${messageOf(error)}`);
    }
  }
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, to.getTime() - from.getTime()) / 1000;
}

/** The same kind and request (whatever the order of its fields) give the same fingerprint. */
function fingerprintOf(kind: JobKind, request: object): string {
  return createHash('sha256')
    .update(`${kind}\n${canonicalJson(request)}`)
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
