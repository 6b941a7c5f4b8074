import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GenerationModule } from '../generation/generation.module.js';
import { ImagesModule } from '../images/images.module.js';
import { BackupModule } from '../maintenance/backup/backup.module.js';
import { RedisHealthIndicator } from '../redis/redis.health.js';
import { BackupHealthIndicator } from './backup.health.js';
import { DiskSpaceIndicator } from './disk-space.health.js';
import { HealthController } from './health.controller.js';
import { ShutdownState } from './shutdown-state.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 }), ImagesModule, BackupModule, GenerationModule],
  controllers: [HealthController],
  providers: [BackupHealthIndicator, RedisHealthIndicator, DiskSpaceIndicator, ShutdownState],
})
export class HealthModule {}
