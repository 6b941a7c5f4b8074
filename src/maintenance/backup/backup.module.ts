import { Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Clock } from '../../common/clock.js';
import { METRICS } from '../../common/metrics/metric-names.js';
import { makeScrapedGaugeProvider } from '../../common/metrics/scraped-gauge.js';
import { AppConfig } from '../../config/app-config.js';
import { DatabaseDialect } from '../../database/database-dialect.js';
import { PromBackupMetrics, readLastSuccess } from './backup.metrics.js';
import { BackupFiles } from './backup-files.js';
import { backupShelfFor } from './backup-shelf.js';
import { BackupService } from './backup.service.js';
import { BackupsController } from './backups.controller.js';

/** Backups: `POST /maintenance/backup`, `GET /maintenance/backups`, BackupService (for the scheduled job and stats). */
@Module({
  controllers: [BackupsController],
  providers: [
    makeCounterProvider({ name: METRICS.backups, help: 'Backups taken by this process, by outcome', labelNames: ['outcome'] }),
    makeHistogramProvider({
      name: METRICS.backupDuration,
      help: 'Backup duration (copy or dump, verification, compression), by outcome',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
    PromBackupMetrics,
    BackupFiles,
    {
      provide: BackupService,
      inject: [AppConfig, Clock, DatabaseDialect, PromBackupMetrics, BackupFiles],
      // The database-specific half (the engine) comes from the dialect DatabaseModule chose.
      useFactory: async (config: AppConfig, clock: Clock, database: DatabaseDialect, metrics: PromBackupMetrics, files: BackupFiles) =>
        new BackupService(config.backup, clock, database.backupEngine(), metrics, files, await backupShelfFor(config.backup, config.storage.s3, files)),
    },
    makeScrapedGaugeProvider({
      name: METRICS.backupLastSuccess,
      help: 'Unix time of the newest backup in BACKUP_DIR (absent when there is none)',
      inject: [BackupService],
      read: readLastSuccess,
    }),
  ],
  exports: [BackupService],
})
export class BackupModule {}
