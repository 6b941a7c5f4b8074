import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Clock } from '../common/clock.js';
import { ServiceStart } from '../common/service-start.js';
import { messageOf } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { BackupService } from '../maintenance/backup/backup.service.js';
import { longestCronGapMs } from './schedule-interval.js';

/**
 * `backup`: degraded when the newest backup is older than twice what the BACKUP_CRON
 * schedule allows between runs (one missed run is tolerated, two are a problem). With no
 * backup yet, degraded only once the service has run that long. Up, saying why, where this
 * service cannot take backups (PostgreSQL without pg_dump).
 */
@Injectable()
export class BackupHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly backups: BackupService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly start: ServiceStart,
  ) {}

  async check() {
    const indicator = this.indicators.check('backup');
    const cron = this.config.maintenance.jobsEnabled ? this.config.maintenance.cron.backup : null;
    let latest: { createdAt: Date } | undefined;
    try {
      [latest] = await this.backups.list();
    } catch (error) {
      // Unreadable BACKUP_DIR: backups are in trouble, but the service still serves.
      return indicator.degraded({ message: `BACKUP_DIR cannot be read: ${messageOf(error)}` });
    }
    const latestAt = latest?.createdAt.toISOString() ?? null;
    // PostgreSQL without pg_dump: the database's own backups apply, which is no fault of this service.
    const unavailable = await this.backups.unavailableReason();
    if (unavailable) return indicator.up({ scheduled: false, latestAt, message: unavailable });
    if (!cron) return indicator.up({ scheduled: false, latestAt });

    const allowedMs = 2 * longestCronGapMs(cron);
    const ageMs = latest ? this.clock.now().getTime() - latest.createdAt.getTime() : this.start.uptimeMs();
    if (ageMs <= allowedMs) return indicator.up({ scheduled: true, latestAt });
    return indicator.degraded({
      scheduled: true,
      latestAt,
      message: latest
        ? `The last successful backup is ${Math.round(ageMs / 3_600_000)} h old; BACKUP_CRON (${cron}) should have made one since`
        : `No backup yet, though BACKUP_CRON (${cron}) should have made one by now`,
    });
  }
}
