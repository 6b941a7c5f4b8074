import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SerializedError } from '../common/errors.js';

export const JOB_KINDS = ['image', 'edit', 'scene'] as const;
/** What a job makes: an image from a prompt, an edit of a stored one, or a scene's art. */
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const WEBHOOK_STATES = ['pending', 'delivered', 'refused', 'failed'] as const;
/** Where a job's webhook delivery stands: a try is due (pending), or it ended one of three ways. */
export type WebhookState = (typeof WEBHOOK_STATES)[number];

/** A finished job's status: it changes no more. */
export const isFinished = (status: JobStatus): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled';

/** One generation, from the request that asked for it to its image or its error. */
@Entity('generation_jobs')
@Index('idx_generation_jobs_unfinished', ['createdAt'], {
  where: '"finished_at" IS NULL',
})
@Index('idx_generation_jobs_finished', ['finishedAt'], {
  where: '"finished_at" IS NOT NULL',
})
@Index('idx_generation_jobs_idempotency_key', ['idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
@Index('idx_generation_jobs_webhooks_due', ['webhookDueAt'], {
  where: `"webhook_state" = 'pending'`,
})
export class GenerationJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: JobKind;

  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  /** The validated request, as the job's kind runs it (JSON). */
  @Column({ type: 'simple-json' })
  request!: object;

  /** The image it made (succeeded jobs). */
  @Column({ name: 'image_id', type: 'varchar', length: 36, nullable: true })
  imageId!: string | null;

  /** What else its kind answers besides the image (a scene's cache facts), JSON. */
  @Column({ type: 'simple-json', nullable: true })
  result!: object | null;

  /** Why it failed, as the synchronous route would have answered. */
  @Column({ type: 'simple-json', nullable: true })
  error!: SerializedError | null;

  /** Times it was started: a job interrupted by a restart runs again, once. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** The client's Idempotency-Key, while it holds (24 h): a retry with it finds this job. */
  @Column({
    name: 'idempotency_key',
    type: 'varchar',
    length: 255,
    nullable: true,
  })
  idempotencyKey!: string | null;

  /** sha256 of the kind and the request, to tell a retry from another request under the same key. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  fingerprint!: string | null;

  /** Where its ending is POSTed (a webhook), signed; null for none. */
  @Column({ name: 'callback_url', type: 'varchar', length: 2000, nullable: true })
  callbackUrl!: string | null;

  /** Its webhook's delivery: pending (next try at webhookDueAt), delivered, refused or failed; null without a callbackUrl. */
  @Column({ name: 'webhook_state', type: 'varchar', length: 16, nullable: true })
  webhookState!: WebhookState | null;

  /** Delivery tries so far. */
  @Column({ name: 'webhook_tries', type: 'integer', default: 0 })
  webhookTries!: number;

  /** When the next try is due; while a process tries it, until when that process holds it. */
  @Column({ name: 'webhook_due_at', type: Date, nullable: true })
  webhookDueAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'started_at', type: Date, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: Date, nullable: true })
  finishedAt!: Date | null;
}
