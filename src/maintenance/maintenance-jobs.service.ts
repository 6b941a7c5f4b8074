import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { CronJob } from 'cron';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Counter, Histogram } from 'prom-client';
import { Clock } from '../common/clock.js';
import { messageOf } from '../common/errors.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import { BackupService } from './backup/backup.service.js';
import { JobLeasesRepository } from './job-leases.repository.js';
import { MaintenanceService } from './maintenance.service.js';

export const JOB_NAMES = ['expired-cache-cleanup', 'orphan-cleanup', 'backup'] as const;
export type JobName = (typeof JOB_NAMES)[number];
export type JobOutcome = 'success' | 'failure' | 'skipped';

/** A run's lease lapses this long after its replica stopped renewing it (it died mid-run). */
const LEASE_TTL_MS = 30 * 60_000;
/**
 * A finished run keeps the lease this long after it started, so replicas whose clocks fire the
 * same tick a little later skip it instead of running it again.
 */
export const LEASE_MIN_HOLD_MS = 30_000;

export interface JobStatus {
  name: JobName;
  cron: string | null;
  /** Whether this replica schedules it (JOBS_ENABLED and a cron expression). */
  scheduled: boolean;
  nextRunAt: Date | null;
  runningHere: boolean;
  lastRunAt: Date | null;
  /** The replica (host:pid:id) that ran it last. */
  lastRunBy: string | null;
}

interface JobDefinition {
  name: JobName;
  cron: string | null;
  work: () => Promise<unknown>;
}

/**
 * The scheduled maintenance, registered by name with the configured cron expressions so
 * config changes and tests can find and trigger them. A job never overlaps itself, and with
 * several replicas on one database each tick runs on one of them: a run first takes the job's
 * lease (a row in `job_leases`). Each run logs its duration and result and feeds the job
 * metrics. The work itself is idempotent.
 */
@Injectable()
export class MaintenanceJobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceJobsService.name);
  private readonly running = new Set<JobName>();
  private readonly definitions: JobDefinition[];
  /** This process, as a lease holder. */
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly leases: JobLeasesRepository,
    private readonly registry: SchedulerRegistry,
    maintenance: MaintenanceService,
    backups: BackupService,
    @InjectMetric(METRICS.jobRuns) private readonly runs: Counter<'job' | 'outcome'>,
    @InjectMetric(METRICS.jobDuration) private readonly duration: Histogram<'job'>,
  ) {
    const { cron } = config.maintenance;
    this.definitions = [
      { name: 'expired-cache-cleanup', cron: cron.expiredCache, work: () => maintenance.cleanupExpiredCache() },
      { name: 'orphan-cleanup', cron: cron.orphanCleanup, work: () => maintenance.cleanupOrphans({ dryRun: false }) },
      { name: 'backup', cron: cron.backup, work: () => backups.scheduledBackup() },
    ];
  }

  onApplicationBootstrap(): void {
    if (!this.config.maintenance.jobsEnabled) {
      this.logger.warn('Scheduled jobs are off (JOBS_ENABLED=false): run cleanups and backups yourself');
      return;
    }
    for (const { name, cron } of this.definitions) {
      if (!cron) {
        this.logger.log(`Job ${name} is switched off (empty cron expression)`);
        continue;
      }
      const job = CronJob.from({ cronTime: cron, onTick: () => void this.run(name), timeZone: 'UTC' });
      this.registry.addCronJob(name, job);
      job.start();
      this.logger.log(`Job ${name} scheduled: ${cron} (UTC)`);
    }
  }

  /**
   * Runs a job now, as its schedule would: skipped when its previous run is still going, or
   * when another replica holds its lease (running it, or ran this tick).
   */
  async run(name: JobName): Promise<JobOutcome> {
    const definition = this.definitions.find((job) => job.name === name);
    if (!definition) throw new Error(`No job named ${name}`);
    if (this.running.has(name)) return this.skip(name, 'the previous run is still going');
    this.running.add(name);
    try {
      const startedAt = this.clock.now();
      const leased = await this.leases.tryAcquire(name, this.holder, startedAt, new Date(startedAt.getTime() + LEASE_TTL_MS)).catch((error: unknown) => {
        this.logger.error(`Job ${name} failed: could not take its lease: ${messageOf(error)}`);
        this.runs.inc({ job: name, outcome: 'failure' });
        return null;
      });
      if (leased === null) return 'failure';
      if (!leased) return this.skip(name, 'another replica is running it or ran it moments ago');
      // Renewed while the run goes on, so however long it takes, no other replica starts it too.
      const renewal = setInterval(() => {
        const until = new Date(this.clock.now().getTime() + LEASE_TTL_MS);
        this.leases.extend(name, this.holder, until).catch((error: unknown) => this.logger.warn(`Job ${name}: could not renew its lease: ${String(error)}`));
      }, LEASE_TTL_MS / 3);
      renewal.unref();
      try {
        return await this.measured(definition);
      } finally {
        clearInterval(renewal);
        const holdUntil = new Date(Math.max(this.clock.now().getTime(), startedAt.getTime() + LEASE_MIN_HOLD_MS));
        await this.leases
          .finish(name, this.holder, holdUntil, startedAt)
          .catch((error: unknown) => this.logger.warn(`Job ${name}: could not record the run (its lease lapses on its own): ${String(error)}`));
      }
    } finally {
      this.running.delete(name);
    }
  }

  /** The jobs, their schedules, and what their leases say about the last run (on any replica). */
  async describe(): Promise<JobStatus[]> {
    return Promise.all(
      this.definitions.map(async ({ name, cron }) => {
        const lease = await this.leases.find(name);
        const scheduled = this.config.maintenance.jobsEnabled && cron !== null;
        return {
          name,
          cron,
          scheduled,
          nextRunAt: scheduled ? this.registry.getCronJob(name).nextDate().toJSDate() : null,
          runningHere: this.running.has(name),
          lastRunAt: lease?.lastRunAt ?? null,
          lastRunBy: lease?.lastRunAt ? lease.holder : null,
        };
      }),
    );
  }

  private skip(name: JobName, reason: string): JobOutcome {
    this.logger.warn(`Job ${name} skipped: ${reason}`);
    this.runs.inc({ job: name, outcome: 'skipped' });
    return 'skipped';
  }

  private async measured({ name, work }: JobDefinition): Promise<JobOutcome> {
    // The histogram's timer also gives the log its duration: one measurement, not two clocks.
    const stopTimer = this.duration.startTimer({ job: name });
    const elapsed = () => `${Math.round(stopTimer() * 1000)} ms`;
    try {
      const result = await work();
      this.logger.log(`Job ${name} done in ${elapsed()}: ${JSON.stringify(result)}`);
      this.runs.inc({ job: name, outcome: 'success' });
      return 'success';
    } catch (error) {
      this.logger.error(`Job ${name} failed after ${elapsed()}: ${messageOf(error)}`);
      this.runs.inc({ job: name, outcome: 'failure' });
      return 'failure';
    }
  }
}
