import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThan, LessThanOrEqual, Repository } from 'typeorm';
import type { SerializedError } from '../common/errors.js';
import { WriteLock } from '../database/write-lock.js';
import { GenerationJobEntity, type WebhookState } from './generation-job.entity.js';

/** What a finished job's row records. */
export type JobEnding = { status: 'succeeded'; imageId: string; result: object | null } | { status: 'failed'; error: SerializedError } | { status: 'cancelled' };

/** How a webhook try ended: for good, or to be tried again at `dueAt`. */
export type WebhookTryOutcome = { state: Exclude<WebhookState, 'pending'> } | { state: 'pending'; dueAt: Date };

/**
 * Thin adapter around `generation_jobs`. Every change of state is one conditional UPDATE
 * (from the state it must leave), so two replicas or a restart can never both move a job.
 */
@Injectable()
export class GenerationJobsRepository {
  constructor(
    @InjectRepository(GenerationJobEntity)
    private readonly jobs: Repository<GenerationJobEntity>,
    private readonly writeLock: WriteLock,
  ) {}

  async insert(job: GenerationJobEntity): Promise<void> {
    await this.writeLock.run(() => this.jobs.insert(job));
  }

  findById(id: string): Promise<GenerationJobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  findByIdempotencyKey(idempotencyKey: string): Promise<GenerationJobEntity | null> {
    return this.jobs.findOneBy({ idempotencyKey });
  }

  /** The key lapsed (24 h): the job stays, and the key is free for a new one. */
  async releaseIdempotencyKey(id: string): Promise<void> {
    await this.writeLock.run(() => this.jobs.update({ id }, { idempotencyKey: null }));
  }

  /**
   * queued → running, counting the attempt; false when it was not queued (cancelled, or
   * taken). A job still marked running was cut off (its replica died: the queue hands it out
   * again) and may start once more, up to `maxAttempts` in all.
   */
  start(id: string, now: Date, maxAttempts: number): Promise<boolean> {
    return this.updateWhere([{ id, status: 'queued' }, { id, status: 'running', attempts: LessThan(maxAttempts) }], { status: 'running', startedAt: now, attempts: () => 'attempts + 1' });
  }

  /** running → its ending; a job with a callbackUrl has its webhook due at once. */
  finish(id: string, ending: JobEnding, now: Date, { webhook }: { webhook: boolean }): Promise<boolean> {
    const fields = ending.status === 'succeeded' ? { imageId: ending.imageId, result: ending.result } : ending.status === 'failed' ? { error: ending.error } : {};
    return this.updateWhere(
      { id, status: 'running' },
      {
        status: ending.status,
        finishedAt: now,
        ...fields,
        ...(webhook ? { webhookState: 'pending' as const, webhookDueAt: now } : {}),
      },
    );
  }

  /**
   * Takes a job's webhook delivery for one try when it is due: held until `holdUntil`, so no
   * other process tries it meanwhile (and, should this one die, another takes it up then).
   * False when it is not due, not pending, or another process holds it.
   */
  takeDueWebhook(id: string, now: Date, holdUntil: Date): Promise<boolean> {
    return this.updateWhere({ id, webhookState: 'pending', webhookDueAt: LessThanOrEqual(now) }, { webhookDueAt: holdUntil });
  }

  /**
   * Records a webhook try: its delivery ended, or the next try is due at `dueAt`. Only while
   * the row is still held until `heldUntil` (what takeDueWebhook set): false when the hold had
   * lapsed and another process took the row meanwhile.
   */
  webhookTried(id: string, heldUntil: Date, outcome: WebhookTryOutcome): Promise<boolean> {
    return this.updateWhere(
      { id, webhookState: 'pending', webhookDueAt: heldUntil },
      { webhookState: outcome.state, webhookDueAt: outcome.state === 'pending' ? outcome.dueAt : null, webhookTries: () => 'webhook_tries + 1' },
    );
  }

  /** Jobs whose webhook try is due, longest due first. */
  async dueWebhooks(now: Date, limit: number): Promise<string[]> {
    const due = await this.jobs.find({
      select: { id: true },
      where: { webhookState: 'pending', webhookDueAt: LessThanOrEqual(now) },
      order: { webhookDueAt: 'ASC' },
      take: limit,
    });
    return due.map((job) => job.id);
  }

  /** queued → cancelled; false when it had started (or ended) already. */
  cancel(id: string, now: Date): Promise<boolean> {
    return this.updateWhere({ id, status: 'queued' }, { status: 'cancelled', finishedAt: now });
  }

  countQueued(): Promise<number> {
    return this.jobs.countBy({ status: 'queued' });
  }

  /** Jobs not finished, oldest first: what a restarted queue takes up again. */
  unfinished(): Promise<GenerationJobEntity[]> {
    return this.jobs.find({
      where: { finishedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** running → queued, the attempt not counted: the provider had no room for it (its quota). */
  backToQueue(id: string): Promise<boolean> {
    return this.updateWhere({ id, status: 'running' }, { status: 'queued', startedAt: null, attempts: () => 'attempts - 1' });
  }

  /** A job a restart interrupted while running waits again (its attempt stays counted). */
  requeue(id: string): Promise<boolean> {
    return this.updateWhere({ id, status: 'running' }, { status: 'queued', startedAt: null });
  }

  /** Removes finished jobs older than `before`; answers how many. */
  async deleteFinishedBefore(before: Date): Promise<number> {
    const deleted = await this.writeLock.run(() => this.jobs.delete({ finishedAt: LessThan(before) }));
    return deleted.affected ?? 0;
  }

  /** One conditional UPDATE under the write lock: whether a row matched (and so changed). */
  private async updateWhere(where: Parameters<Repository<GenerationJobEntity>['update']>[0], fields: Parameters<Repository<GenerationJobEntity>['update']>[1]): Promise<boolean> {
    const updated = await this.writeLock.run(() => this.jobs.update(where, fields));
    return (updated.affected ?? 0) > 0;
  }
}
