import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  DiskHealthIndicator,
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { messageOf } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { ImagesService } from '../images/images.service.js';
import { RedisHealthIndicator } from '../redis/redis.health.js';
import { BackupHealthIndicator } from './backup.health.js';

/** Disk usage above this share of the volume marks the service down: writes would start failing. */
const DISK_THRESHOLD_PERCENT = 0.95;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly disk: DiskHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly images: ImagesService,
    private readonly config: AppConfig,
    private readonly backup: BackupHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary: 'Database, disk, image store, backup and (with REDIS_URL) Redis status; 503 when a check is down, "degraded" when backups are late',
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database'),
      () => this.disk.checkStorage('disk', { path: this.config.storage.dir, thresholdPercent: DISK_THRESHOLD_PERCENT }),
      () => this.imageCount(),
      () => this.backup.check(),
      ...(this.redis.enabled ? [() => this.redis.check()] : []),
    ]);
  }

  private async imageCount() {
    const check = this.indicators.check('images');
    try {
      return check.up({ count: await this.images.count() });
    } catch (error) {
      return check.down({ message: messageOf(error) });
    }
  }
}
