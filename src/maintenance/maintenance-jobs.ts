import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { CronJob } from 'cron';
import type { Counter, Histogram } from 'prom-client';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import { BackupService } from './backup/backup.service.js';
import { MaintenanceService } from './maintenance.service.js';

export type JobName = 'expired-cache-cleanup' | 'orphan-cleanup' | 'backup';
export type JobOutcome = 'success' | 'failure' | 'skipped';

interface JobDefinition {
  name: JobName;
  cron: string | null;
  work: () => Promise<unknown>;
}

/**
 * The scheduled maintenance, registered by name with the configured cron expressions so
 * config changes and tests can find and trigger them. A job never overlaps itself; each run
 * logs its duration and result and feeds the job metrics. The work itself is idempotent.
 */
@Injectable()
export class MaintenanceJobs implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceJobs.name);
  private readonly running = new Set<JobName>();
  private readonly definitions: JobDefinition[];

  constructor(
    private readonly config: AppConfig,
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
      { name: 'backup', cron: cron.backup, work: () => backups.backup() },
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

  /** Runs a job now, as its schedule would: skipped when its previous run is still going. */
  async run(name: JobName): Promise<JobOutcome> {
    const definition = this.definitions.find((job) => job.name === name);
    if (!definition) throw new Error(`No job named ${name}`);
    if (this.running.has(name)) {
      this.logger.warn(`Job ${name} skipped: the previous run is still going`);
      this.runs.inc({ job: name, outcome: 'skipped' });
      return 'skipped';
    }
    this.running.add(name);
    const stopTimer = this.duration.startTimer({ job: name });
    const started = Date.now();
    try {
      const result = await definition.work();
      this.logger.log(`Job ${name} done in ${Date.now() - started} ms: ${JSON.stringify(result)}`);
      this.runs.inc({ job: name, outcome: 'success' });
      return 'success';
    } catch (error) {
      this.logger.error(`Job ${name} failed after ${Date.now() - started} ms: ${error instanceof Error ? error.message : String(error)}`);
      this.runs.inc({ job: name, outcome: 'failure' });
      return 'failure';
    } finally {
      stopTimer();
      this.running.delete(name);
    }
  }
}
