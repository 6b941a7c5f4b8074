import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { type Counter, type Gauge, type Histogram } from 'prom-client';
import { METRICS } from '../../common/metrics/metric-names.js';

export type BackupOutcome = 'success' | 'failure';

/** What BackupService reports about each run; the CLI passes NO_BACKUP_METRICS. */
export interface BackupMetrics {
  record(outcome: BackupOutcome, seconds: number): void;
}

export const NO_BACKUP_METRICS: BackupMetrics = { record: () => undefined };

/** `backups_total{outcome}` and `backup_duration_seconds{outcome}` for runs in this process. */
@Injectable()
export class PromBackupMetrics implements BackupMetrics {
  constructor(
    @InjectMetric(METRICS.backups) private readonly runs: Counter<'outcome'>,
    @InjectMetric(METRICS.backupDuration) private readonly duration: Histogram<'outcome'>,
  ) {}

  record(outcome: BackupOutcome, seconds: number): void {
    this.runs.inc({ outcome });
    this.duration.observe({ outcome }, seconds);
  }
}

/** What the last-success gauge reads: the backups in BACKUP_DIR, newest first. */
export interface BackupList {
  list(): Promise<Array<{ createdAt: Date }>>;
}

/**
 * `backup_last_success_timestamp_seconds`, read from BACKUP_DIR when Prometheus scrapes: the
 * newest backup's time from its name. So it counts backups taken by the CLI (the cron
 * script) and by earlier runs of the server, not only this process's.
 */
export function readLastSuccess(backups: BackupList) {
  return async (gauge: Gauge): Promise<void> => {
    gauge.reset();
    try {
      const [newest] = await backups.list();
      if (newest) gauge.set(newest.createdAt.getTime() / 1000);
    } catch {
      // An unreadable BACKUP_DIR shows as no backup rather than breaking /metrics.
    }
  };
}
