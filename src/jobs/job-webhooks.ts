import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { createHmac } from 'node:crypto';
import type { Counter } from 'prom-client';
import { Clock } from '../common/clock.js';
import { messageOf } from '../common/errors.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationJobsRepository } from './generation-jobs.repository.js';
import { GenerationJobs } from './generation-jobs.service.js';
import { JobPresenter } from './job-presenter.js';
import { WEBHOOK_TRY_TIMEOUT_MS, WebhookSender } from './webhook-sender.js';
import { WebhookTargets } from './webhook-targets.js';

/** Waits before each try: at once, then backing off over about a quarter of an hour. */
export const WEBHOOK_RETRY_DELAYS_MS = [0, 1_000, 5_000, 30_000, 120_000, 600_000];
/** How often each process looks for deliveries due that no timer of its own waits for. */
export const WEBHOOK_SWEEP_MS = 60_000;
/** How long a process holds a delivery it is trying: twice a try's longest (the sender's whole-try timeout). */
const TRY_HOLD_MS = 2 * WEBHOOK_TRY_TIMEOUT_MS;
/** Deliveries taken up per look. */
const SWEEP_BATCH = 100;

/**
 * A job's ending, POSTed to its callbackUrl: the job as GET /jobs/{id} answers it, signed as
 * Standard Webhooks do (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
 * HMAC-SHA256 of "id.timestamp.body" under WEBHOOK_SECRET>`). Retried with backoff until a 2xx,
 * or a 4xx that says retrying will not help.
 *
 * The delivery lives on the job's row (state, tries, when the next is due), so it outlives the
 * process: the replica that ran the job tries at once and keeps a timer for each retry; every
 * replica also looks for due deliveries at boot and every WEBHOOK_SWEEP_MS, which takes up those
 * of a process that stopped. A try first takes the row (one conditional UPDATE, held twice a
 * try's longest), so two processes never send the same try; a receiver may still see a
 * delivery twice (a process that died after sending, before recording it) and tells by
 * `webhook-id`.
 */
@Injectable()
export class JobWebhooks implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobWebhooks.name);
  private readonly stopped = new AbortController();
  /** Tries under way or waiting here: shutdown lets the first end and cuts the waits short. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly jobs: GenerationJobs,
    private readonly repository: GenerationJobsRepository,
    private readonly presenter: JobPresenter,
    private readonly targets: WebhookTargets,
    private readonly sender: WebhookSender,
    @InjectMetric(METRICS.webhookDeliveries) private readonly deliveries: Counter<'outcome'>,
  ) {}

  onModuleInit(): void {
    this.jobs.onEnded((view) => {
      if (view.job.callbackUrl) this.tryWhenDue(view.job.id);
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.webhooks) void this.sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped.abort(); // the sweep and the waits for retries end; their rows keep when they are due
    await this.jobs.drain(); // jobs still running end first: their webhooks are tried now, not at the next boot
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Takes up deliveries that are due and that no timer here waits for: at boot, then every WEBHOOK_SWEEP_MS. */
  private async sweep(): Promise<void> {
    while (!this.stopped.signal.aborted) {
      try {
        for (const id of await this.repository.dueWebhooks(this.clock.now(), SWEEP_BATCH)) this.tryWhenDue(id);
      } catch (error) {
        this.logger.warn(`Looking for webhooks due: ${messageOf(error)}`);
      }
      await this.clock.sleep(WEBHOOK_SWEEP_MS, this.stopped.signal).catch(() => undefined);
    }
  }

  /** Tries the job's delivery once `dueAt` has come (now when absent), if no other process holds it then. */
  private tryWhenDue(jobId: string, dueAt?: Date): void {
    const attempt: Promise<void> = (async () => {
      if (dueAt) await this.clock.sleep(Math.max(0, dueAt.getTime() - this.clock.now().getTime()), this.stopped.signal);
      await this.tryIfDue(jobId, dueAt);
    })()
      .catch((error: unknown) => {
        if (!this.stopped.signal.aborted) this.logger.error(`Webhook for job ${jobId}: ${messageOf(error)}`);
      })
      .finally(() => this.pending.delete(attempt));
    this.pending.add(attempt);
  }

  private async tryIfDue(jobId: string, dueAt?: Date): Promise<void> {
    const now = this.clock.now();
    // A timer may wake a hair before the time it was set for: the row's due time is what counts.
    const asOf = dueAt && dueAt > now ? dueAt : now;
    const heldUntil = new Date(now.getTime() + TRY_HOLD_MS);
    if (!(await this.repository.takeDueWebhook(jobId, asOf, heldUntil))) return;
    const view = await this.jobs.find(jobId);
    const callbackUrl = view.job.callbackUrl!;
    const body = await this.presenter.present(view);
    delete body.webhook; // the delivery's own state would be stale once it arrives
    const outcome = await this.tryOnce(jobId, callbackUrl, JSON.stringify(body));
    const tries = view.job.webhookTries + 1;
    // Each record below is written only while this process still holds the row (`heldUntil`):
    // one that lost it (a try past its hold, taken up elsewhere) leaves the row to the new holder.
    if (outcome === 'delivered' || outcome === 'refused') {
      if (await this.repository.webhookTried(jobId, heldUntil, { state: outcome })) this.deliveries.inc({ outcome });
      return;
    }
    if (tries >= WEBHOOK_RETRY_DELAYS_MS.length) {
      if (!(await this.repository.webhookTried(jobId, heldUntil, { state: 'failed' }))) return;
      this.deliveries.inc({ outcome: 'failed' });
      this.logger.error(`Webhook for job ${jobId} was not delivered to ${new URL(callbackUrl).host}; the job is at GET /api/v2/jobs/${jobId}`);
      return;
    }
    const next = new Date(this.clock.now().getTime() + WEBHOOK_RETRY_DELAYS_MS[tries]);
    // The timer first: once the row says when, something here already waits for it.
    this.tryWhenDue(jobId, next);
    if (!(await this.repository.webhookTried(jobId, heldUntil, { state: 'pending', dueAt: next }))) return;
    this.deliveries.inc({ outcome: 'retried' });
    this.logger.warn(`Webhook for job ${jobId}: try ${tries} of ${WEBHOOK_RETRY_DELAYS_MS.length} failed (${outcome})`);
  }

  /** 'delivered', 'refused' (a 4xx no retry can fix), or why this try failed. */
  private async tryOnce(jobId: string, callbackUrl: string, body: string): Promise<string> {
    try {
      const target = await this.targets.resolve(callbackUrl);
      const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
      const { status } = await this.sender.post(target, body, {
        'webhook-id': jobId,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature(this.config.webhooks!.secret, jobId, timestamp, body)}`,
      });
      if (status >= 200 && status < 300) return 'delivered';
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) return 'refused';
      return `HTTP ${status}`;
    } catch (error) {
      return messageOf(error);
    }
  }
}

/** Standard Webhooks' signature: base64 HMAC-SHA256 of `id.timestamp.body`. */
export function signature(secret: string, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
}
