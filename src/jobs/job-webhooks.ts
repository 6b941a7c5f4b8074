import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { createHmac } from 'node:crypto';
import type { Counter } from 'prom-client';
import { Clock } from '../common/clock.js';
import { messageOf } from '../common/errors.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import { GenerationJobs, type JobView } from './generation-jobs.service.js';
import { JobPresenter } from './job-presenter.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookTargets } from './webhook-targets.js';

/** Waits before each try: at once, then backing off over about a quarter of an hour. */
export const WEBHOOK_RETRY_DELAYS_MS = [0, 1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * A job's ending, POSTed to its callbackUrl by the replica that ran it: the job as GET
 * /jobs/{id} answers it, signed as Standard Webhooks do (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" under WEBHOOK_SECRET>`).
 * Retried with backoff until a 2xx, or a 4xx that says retrying will not help.
 */
@Injectable()
export class JobWebhooks implements OnModuleInit {
  private readonly logger = new Logger(JobWebhooks.name);

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly jobs: GenerationJobs,
    private readonly presenter: JobPresenter,
    private readonly targets: WebhookTargets,
    private readonly sender: WebhookSender,
    @InjectMetric(METRICS.webhookDeliveries) private readonly deliveries: Counter<'outcome'>,
  ) {}

  onModuleInit(): void {
    this.jobs.onEnded((view) => {
      if (view.job.callbackUrl) void this.deliver(view, view.job.callbackUrl);
    });
  }

  private async deliver(view: JobView, callbackUrl: string): Promise<void> {
    const body = JSON.stringify(await this.presenter.present(view));
    for (const [attempt, delayMs] of WEBHOOK_RETRY_DELAYS_MS.entries()) {
      if (delayMs > 0) await this.clock.sleep(delayMs);
      const outcome = await this.tryOnce(view.job.id, callbackUrl, body);
      if (outcome === 'delivered' || outcome === 'refused') {
        this.deliveries.inc({ outcome });
        return;
      }
      this.deliveries.inc({ outcome: 'retried' });
      this.logger.warn(`Webhook for job ${view.job.id}: try ${attempt + 1} of ${WEBHOOK_RETRY_DELAYS_MS.length} failed (${outcome})`);
    }
    this.deliveries.inc({ outcome: 'failed' });
    this.logger.error(`Webhook for job ${view.job.id} was not delivered to ${new URL(callbackUrl).host}; the job is at GET /api/v2/jobs/${view.job.id}`);
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
