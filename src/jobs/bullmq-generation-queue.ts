import { Logger } from '@nestjs/common';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { messageOf } from '../common/errors.js';
import { GenerationQueue, type JobRunOutcome, type QueueLimits } from './generation-queue.js';

const QUEUE_NAME = 'generation';
const MINUTE_MS = 60_000;

export interface BullQueueSettings extends QueueLimits {
  redisUrl: string;
  /** REDIS_KEY_PREFIX: BullMQ's keys go under it too. */
  keyPrefix: string;
}

/**
 * The queue shared by every replica, in Redis through BullMQ: GEMINI_MAX_CONCURRENT is its
 * global concurrency and GEMINI_REQUESTS_PER_MINUTE its global rate limit, so the limits hold
 * across replicas. Each replica's worker takes jobs as slots free up; a job whose replica
 * died is handed out again by BullMQ's stalled-job check (once: GenerationJobs counts attempts).
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
  private readonly listeners: Array<(jobId?: string) => void> = [];
  private readonly prefix: string;

  constructor(private readonly settings: BullQueueSettings) {
    super();
    // BullMQ blocks on some commands and wants them never to give up (maxRetriesPerRequest: null).
    this.connection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null, connectionName: 'dnd-image-service:queue' });
    this.prefix = `${settings.keyPrefix}bull`;
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.prefix });
    this.events = new QueueEvents(QUEUE_NAME, { connection: this.duplicate(), prefix: this.prefix });
    for (const event of ['active', 'completed', 'failed'] as const) {
      this.events.on(event, ({ jobId }: { jobId: string }) => this.tell(jobId));
    }
    this.events.on('removed', () => this.tell());
    this.queue.on('error', (error: Error) => this.logger.warn(`BullMQ queue: ${error.message}`));
    this.events.on('error', (error: Error) => this.logger.warn(`BullMQ events: ${error.message}`));
  }

  process(run: (jobId: string) => Promise<JobRunOutcome>): void {
    void this.applyLimits().catch((error: unknown) => this.logger.error(`Could not set the queue's limits: ${messageOf(error)}`));
    const { maxConcurrent, requestsPerMinute } = this.settings;
    const worker: Worker = new Worker(
      QUEUE_NAME,
      async (job) => {
        const outcome = await run((job.data as { jobId: string }).jobId);
        if (!outcome) return;
        // BullMQ's manual rate limit: the job goes back to wait and the whole queue, on every replica, holds.
        await worker.rateLimit(outcome.retryAfterMs);
        throw Worker.RateLimitError();
      },
      {
        connection: this.duplicate(),
        prefix: this.prefix,
        concurrency: maxConcurrent,
        limiter: requestsPerMinute === undefined ? undefined : { max: requestsPerMinute, duration: MINUTE_MS },
      },
    );
    this.worker = worker;
    this.worker.on('error', (error: Error) => this.logger.warn(`BullMQ worker: ${error.message}`));
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
