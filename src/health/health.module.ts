import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GenerationModule } from '../generation/generation.module.js';
import { ImagesModule } from '../images/images.module.js';
import { BackupModule } from '../maintenance/backup/backup.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { RedisHealthIndicator } from '../redis/redis.health.js';
import { BackupHealthIndicator } from './backup.health.js';
import { DiskSpaceIndicator } from './disk-space.health.js';
import { HealthController } from './health.controller.js';
import { ShutdownState } from './shutdown-state.js';
import { ObjectStorageIndicator } from './storage.health.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 }), ImagesModule, BackupModule, GenerationModule, StorageModule],
  controllers: [HealthController],
  providers: [BackupHealthIndicator, RedisHealthIndicator, DiskSpaceIndicator, ObjectStorageIndicator, ShutdownState],
})
export class HealthModule {}
