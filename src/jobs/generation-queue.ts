import { Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { messageOf } from '../common/errors.js';

/** How much the provider takes: at once, and per minute. */
export interface QueueLimits {
  /** GEMINI_MAX_CONCURRENT: jobs running at once. */
  maxConcurrent: number;
  /** GEMINI_REQUESTS_PER_MINUTE: job starts in any 60 s; undefined = no limit. */
  requestsPerMinute?: number;
}

/** How a run ended, for the line: done, or to be tried again once the provider has room. */
export type JobRunOutcome = void | { retryAfterMs: number };

/**
 * Runs a job. `freeSlot` is called once the provider has answered: the job's slot goes to the
 * next in line while this one processes its picture (the slot stands for a call to Gemini, not
 * for this machine's work). A run that freed its slot cannot ask to be tried again.
 */
export type JobRunner = (jobId: string, freeSlot: () => void) => Promise<JobRunOutcome>;

/**
 * Where generation jobs wait for a slot with the provider. The job itself is a row
 * (GenerationJobsRepository); the queue only holds ids, in order, and starts them as the
 * limits allow.
 */
export abstract class GenerationQueue {
  /**
   * At boot: from now on the queue starts jobs by calling `run` with their id. A run that
   * answers `retryAfterMs` (the provider's quota is spent) goes back to the head of the line,
   * and the whole line waits that long: every job would meet the same quota.
   */
  abstract process(run: JobRunner): void;
  /** Puts a job at the end of the line. */
  abstract add(jobId: string): Promise<void>;
  /** Takes a waiting job out of the line; false when it is not waiting (started, or unknown). */
  abstract remove(jobId: string): Promise<boolean>;
  /** Jobs ahead of it (0: it starts next); undefined when it is not waiting. */
  abstract position(jobId: string): Promise<number | undefined>;
  /**
   * Calls `listener` whenever the line moves or a job starts or ends, on any replica; `jobId`
   * names the job when one started or ended there.
   */
  abstract onChange(listener: (jobId?: string) => void): void;
  /**
   * Whether the line itself survives a restart. When not (in memory), jobs unfinished in the
   * database are added again at boot.
   */
  abstract readonly durable: boolean;
  /** Starts nothing more; resolves once the running jobs have ended. */
  abstract close(): Promise<void>;
}

const MINUTE_MS = 60_000;

/**
 * The queue of one process, for a deployment without Redis: the line is in memory, and the
 * jobs' rows bring it back after a restart (GenerationJobs re-adds them at boot).
 */
export class InProcessGenerationQueue extends GenerationQueue {
  private readonly logger = new Logger('GenerationQueue');
  private readonly waiting: string[] = [];
  /** Every run not ended, its slot freed or not (closing waits for them all). */
  private readonly running = new Set<Promise<void>>();
  /** Runs holding a slot: those the provider has not answered yet. */
  private holdingSlot = 0;
  /** When recent jobs started (ms), for the per-minute limit. */
  private readonly starts: number[] = [];
  private readonly listeners: Array<(jobId?: string) => void> = [];
  private run?: JobRunner;
  /** Set while a timer waits for the per-minute window to open. */
  private wakeUp?: AbortController;
  private closed = false;

  constructor(
    private readonly limits: QueueLimits,
    private readonly clock: Clock,
  ) {
    super();
  }

  process(run: JobRunner): void {
    this.run = run;
    this.startWhatFits();
  }

  async add(jobId: string): Promise<void> {
    this.waiting.push(jobId);
    this.startWhatFits();
  }

  async remove(jobId: string): Promise<boolean> {
    const index = this.waiting.indexOf(jobId);
    if (index === -1) return false;
    this.waiting.splice(index, 1);
    this.moved();
    return true;
  }

  async position(jobId: string): Promise<number | undefined> {
    const index = this.waiting.indexOf(jobId);
    return index === -1 ? undefined : index;
  }

  readonly durable = false;

  onChange(listener: (jobId?: string) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.abort();
    await Promise.allSettled([...this.running]);
  }

  private startWhatFits(): void {
    let started = false;
    while (this.run && !this.closed && !this.wakeUp && this.waiting.length > 0 && this.holdingSlot < this.limits.maxConcurrent) {
      const waitMs = this.waitForWindowMs();
      if (waitMs > 0) {
        this.wakeIn(waitMs);
        break;
      }
      this.start(this.run, this.waiting.shift()!);
      started = true;
    }
    if (started) this.moved();
  }

  private start(run: JobRunner, jobId: string): void {
    this.starts.push(this.clock.now().getTime());
    this.holdingSlot++;
    let slotFreed = false;
    const freeSlot = () => {
      if (slotFreed) return;
      slotFreed = true;
      this.holdingSlot--;
      this.startWhatFits();
    };
    const running: Promise<void> = run(jobId, freeSlot)
      .then((outcome) => {
        if (outcome && !slotFreed) this.holdLine(jobId, outcome.retryAfterMs);
      })
      .catch((error: unknown) => this.logger.error(`Job ${jobId} ended in an unhandled error: ${messageOf(error)}`))
      .finally(() => {
        this.running.delete(running);
        freeSlot();
      });
    this.running.add(running);
  }

  /** How long until the per-minute limit lets one more job start (0: now). */
  private waitForWindowMs(): number {
    const perMinute = this.limits.requestsPerMinute;
    if (perMinute === undefined) return 0;
    const now = this.clock.now().getTime();
    while (this.starts.length > 0 && this.starts[0] <= now - MINUTE_MS) this.starts.shift();
    return this.starts.length < perMinute ? 0 : this.starts[0] + MINUTE_MS - now;
  }

  /** The job goes first again, and nothing starts until the provider has room. */
  private holdLine(jobId: string, ms: number): void {
    this.waiting.unshift(jobId);
    this.wakeUp?.abort();
    this.wakeUp = undefined;
    this.wakeIn(ms);
    this.moved();
  }

  private wakeIn(ms: number): void {
    const timer = new AbortController();
    this.wakeUp = timer;
    this.clock.sleep(ms, timer.signal).then(
      () => {
        this.wakeUp = undefined;
        this.startWhatFits();
      },
      () => undefined, // aborted: the queue closed
    );
  }

  private moved(): void {
    for (const listener of this.listeners) listener();
  }
}
