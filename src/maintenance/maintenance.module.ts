import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { METRICS } from '../common/metrics/metric-names.js';
import { ImagesModule } from '../images/images.module.js';
import { ScenesModule } from '../scenes/scenes.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { BackupModule } from './backup/backup.module.js';
import { JobLease } from './job-lease.entity.js';
import { JobLeasesRepository } from './job-leases.repository.js';
import { JobsController } from './jobs.controller.js';
import { MaintenanceJobsService } from './maintenance-jobs.service.js';
import { MaintenanceController } from './maintenance.controller.js';
import { MaintenanceService } from './maintenance.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([JobLease]), ImagesModule, ScenesModule, StorageModule, BackupModule],
  controllers: [MaintenanceController, JobsController],
  providers: [
    MaintenanceService,
    MaintenanceJobsService,
    JobLeasesRepository,
    makeCounterProvider({ name: METRICS.jobRuns, help: 'Scheduled job runs by job and outcome', labelNames: ['job', 'outcome'] }),
    makeHistogramProvider({
      name: METRICS.jobDuration,
      help: 'Scheduled job duration by job',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    }),
  ],
  exports: [MaintenanceService, MaintenanceJobsService],
})
export class MaintenanceModule {}
