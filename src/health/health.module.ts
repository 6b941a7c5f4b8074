import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ImagesModule } from '../images/images.module.js';
import { BackupModule } from '../maintenance/backup/backup.module.js';
import { RedisHealthIndicator } from '../redis/redis.health.js';
import { BackupHealthIndicator } from './backup.health.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 }), ImagesModule, BackupModule],
  controllers: [HealthController],
  providers: [BackupHealthIndicator, RedisHealthIndicator],
})
export class HealthModule {}
