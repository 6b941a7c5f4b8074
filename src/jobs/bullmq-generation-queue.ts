import { Logger } from '@nestjs/common';
import { DelayedError, type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Clock } from '../common/clock.js';
import { messageOf } from '../common/errors.js';
import { GenerationQueue, type JobRunner, type QueueLimits } from './generation-queue.js';

const QUEUE_NAME = 'generation';
const MINUTE_MS = 60_000;
/**
 * How long a job may go unheard of after the provider answered, off BullMQ's books: its replica
 * renews the lease while it processes the picture; past it, the job is taken to have died with
 * its replica and runs again (once).
 */
const PROCESSING_LEASE_MS = 5 * MINUTE_MS;
/** Renewals per lease: two may fail (a Redis hiccup) before it lapses. */
const RENEWALS_PER_LEASE = 3;

export interface BullQueueSettings extends QueueLimits {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: BullMQ's keys go under it too. */
  keyPrefix: string;
  /** Tests shorten it; see PROCESSING_LEASE_MS. */
  processingLeaseMs?: number;
}

/**
 * The queue shared by every replica, in Redis through BullMQ: GEMINI_MAX_CONCURRENT is its
 * global concurrency and GEMINI_REQUESTS_PER_MINUTE its global rate limit, so the limits hold
 * across replicas. Each replica's worker takes jobs as slots free up; a job whose replica
 * died is handed out again by BullMQ's stalled-job check (once: GenerationJobs counts attempts).
 *
 * A job frees its slot when the provider answers: BullMQ counts active jobs, so the job leaves
 * `active` for `delayed`, due when the processing lease ends, and is removed once it has ended
 * here. If this replica dies first, the job comes due and runs again on another.
 */
export class BullGenerationQueue extends GenerationQueue {
  readonly durable = true;
  private readonly logger = new Logger('GenerationQueue');
  /** Ours, not BullMQ's: passed in, so BullMQ leaves closing them to us. */
  private readonly connection: Redis;
  private readonly connections: Redis[] = [];
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private worker?: Worker;
  /** Runs that freed their slot and go on here, outside BullMQ's active jobs. */
  private readonly processing = new Set<Promise<void>>();
  private readonly listeners: Array<(jobId?: string) => void> = [];
  private readonly prefix: string;

  constructor(
    private readonly settings: BullQueueSettings,
    /** Paces the lease's renewals (BullMQ itself keeps Redis's time). */
    private readonly clock: Clock,
  ) {
    super();
    // BullMQ blocks on some commands and wants them never to give up (maxRetriesPerRequest: null).
    this.connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null, connectionName: 'dnd-image-service:queue' });
    this.prefix = `${settings.keyPrefix}bull`;
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.prefix });
    this.events = new QueueEvents(QUEUE_NAME, { connection: this.duplicate(), prefix: this.prefix });
    for (const event of ['active', 'completed', 'failed'] as const) {
      this.events.on(event, ({ jobId }: { jobId: string }) => this.tell(jobId));
    }
    // Removed: cancelled while waiting, or ended after it freed its slot.
    this.events.on('removed', ({ jobId }: { jobId: string }) => this.tell(jobId));
    this.queue.on('error', (error: Error) => this.logger.warn(`BullMQ queue: ${error.message}`));
    this.events.on('error', (error: Error) => this.logger.warn(`BullMQ events: ${error.message}`));
  }

  process(run: JobRunner): void {
    void this.applyLimits().catch((error: unknown) => this.logger.error(`Could not set the queue's limits: ${messageOf(error)}`));
    const { maxConcurrent, requestsPerMinute } = this.settings;
    const worker: Worker = new Worker(QUEUE_NAME, (job, token) => this.runJob(worker, run, job, token), {
      connection: this.duplicate(),
      prefix: this.prefix,
      concurrency: maxConcurrent,
      limiter: requestsPerMinute === undefined ? undefined : { max: requestsPerMinute, duration: MINUTE_MS },
    });
    this.worker = worker;
    this.worker.on('error', (error: Error) => this.logger.warn(`BullMQ worker: ${error.message}`));
  }

  /** BullMQ's processor: runs the job until it ends, or until it frees its slot. */
  private async runJob(worker: Worker, run: JobRunner, job: Job, token: string | undefined): Promise<void> {
    let freeSlot!: () => void;
    const slotFreed = new Promise<'slot freed'>((resolve) => (freeSlot = () => resolve('slot freed')));
    const running = run((job.data as { jobId: string }).jobId, freeSlot);
    const first = await Promise.race([running, slotFreed]);
    if (first === 'slot freed') {
      // Out of `active` (the slot is free), due again only if this replica dies before the run ends.
      const delayed = job.moveToDelayed(Date.now() + this.leaseMs, token);
      this.goOnOutsideSlot(job, running, delayed);
      await delayed;
      throw new DelayedError();
    }
    if (!first) return;
    // BullMQ's manual rate limit: the job goes back to wait and the whole queue, on every replica, holds.
    await worker.rateLimit(first.retryAfterMs);
    throw Worker.RateLimitError();
  }

  private get leaseMs(): number {
    return this.settings.processingLeaseMs ?? PROCESSING_LEASE_MS;
  }

  /** The rest of a run that freed its slot, its lease renewed; then its delayed job goes (and every replica hears it ended). */
  private goOnOutsideSlot(job: Job, running: Promise<unknown>, delayed: Promise<void>): void {
    const ended = new AbortController();
    void this.renewLease(job, delayed, ended.signal);
    const processing: Promise<void> = Promise.allSettled([running, delayed])
      .then(async ([ran]) => {
        ended.abort();
        if (ran.status === 'rejected') this.logger.error(`Job ${job.id} ended in an unhandled error: ${messageOf(ran.reason)}`);
        // Not if its lease lapsed and another replica took it up: that run is the job's now.
        if (await this.stillOurs(job)) await job.remove();
      })
      .catch((error: unknown) => this.logger.warn(`Job ${job.id}: could not take it off the queue: ${messageOf(error)}`))
      .finally(() => this.processing.delete(processing));
    this.processing.add(processing);
  }

  /** Pushes the lease's end back while the run goes on: only a replica that died lets it lapse. */
  private async renewLease(job: Job, delayed: Promise<void>, ended: AbortSignal): Promise<void> {
    if (!(await delayed.then(() => true, () => false))) return;
    while (!ended.aborted) {
      try {
        await this.clock.sleep(this.leaseMs / RENEWALS_PER_LEASE, ended);
        // Lapsed (Redis out of reach for a whole lease) and taken up elsewhere: the lease is not ours to renew.
        if (!(await this.stillOurs(job))) return;
        await job.changeDelay(this.leaseMs);
      } catch (error) {
        if (ended.aborted) return;
        this.logger.warn(`Job ${job.id}: could not renew its processing lease: ${messageOf(error)}`);
      }
    }
  }

  /** Whether the queue's job is still this run's: waiting out its lease, not started again since. */
  private async stillOurs(job: Job): Promise<boolean> {
    const current = await this.queue.getJob(job.id!);
    return current !== undefined && current.attemptsStarted === job.attemptsStarted && (await current.isDelayed());
  }

  async add(jobId: string): Promise<void> {
    // The job's own id: adding it again (a retry of a crash between row and queue) is a no-op.
    await this.queue.add(QUEUE_NAME, { jobId }, { jobId, removeOnComplete: true, removeOnFail: true });
  }

  async remove(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job || !(await job.isWaiting())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false; // a worker took it meanwhile
    }
  }

  async position(jobId: string): Promise<number | undefined> {
    // BullMQ pushes new jobs at the head of its wait list and takes them from the tail.
    const wait = this.queue.keys.wait;
    const [index, length] = await Promise.all([this.connection.lpos(wait, jobId), this.connection.llen(wait)]);
    return index === null ? undefined : length - 1 - index;
  }

  onChange(listener: (jobId?: string) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await Promise.allSettled([...this.processing]);
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    await Promise.allSettled([this.connection, ...this.connections].map((connection) => connection.quit()));
  }

  /** Another connection for a part that blocks on Redis (events, the worker). */
  private duplicate(): Redis {
    const connection = this.connection.duplicate();
    this.connections.push(connection);
    return connection;
  }

  /** Global: every replica's worker counts against the same limits. */
  private async applyLimits(): Promise<void> {
    await this.queue.setGlobalConcurrency(this.settings.maxConcurrent);
  }

  private tell(jobId?: string): void {
    for (const listener of this.listeners) listener(jobId);
  }
}
