import { Controller, Get, ServiceUnavailableException, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Clock } from '../common/clock.js';
import { GeminiModelIndicator } from '../generation/gemini-model.health.js';
import { ImageStoreIndicator } from '../images/images.health.js';
import { RedisHealthIndicator } from '../redis/redis.health.js';
import { BackupHealthIndicator } from './backup.health.js';
import { DiskSpaceIndicator } from './disk-space.health.js';
import { ObjectStorageIndicator } from './storage.health.js';
import { HealthAnswerDto, HealthCheckResultDto, LivenessDto } from './dto/health-answer.dto.js';
import { ShutdownState } from './shutdown-state.js';

/**
 * The old backend's view of health, beside Terminus' (its game and test script read
 * `checks`; the game wants `status: "ok"`).
 */
export interface SeedHealthChecks {
  database: 'ok' | 'error';
  disk_space: { status: 'ok' | 'warning' | 'error'; free_gb: number };
  images: { total: number };
}

export type HealthAnswer = HealthCheckResult & { timestamp: string; checks: SeedHealthChecks };

@ApiTags('operations')
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly disk: DiskSpaceIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly images: ImageStoreIndicator,
    private readonly backup: BackupHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly gemini: GeminiModelIndicator,
    private readonly storage: ObjectStorageIndicator,
    private readonly shutdown: ShutdownState,
    private readonly clock: Clock,
  ) {}

  @Get()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Health of the service and what it depends on',
    description:
      'Database, disk, image store, backup, (with STORAGE_DRIVER=s3) the bucket, (with REDIS_URL) Redis and (with Gemini) the model in use, in Terminus’ shape and the old backend’s (`timestamp`, `checks`). 503 when a check is down; `degraded` when one is impaired.',
  })
  @ApiOkResponse({ type: HealthAnswerDto, description: 'Every check up (or degraded)' })
  @ApiServiceUnavailableResponse({ type: HealthAnswerDto, description: 'A check is down' })
  async check(): Promise<HealthAnswer> {
    const { result, ok } = await this.run([
      () => this.database.pingCheck('database'),
      () => this.disk.check(),
      () => this.images.check(),
      () => this.backup.check(),
      ...this.storageCheck(),
      ...this.redisCheck(),
      ...(this.gemini.enabled ? [() => this.gemini.check()] : []),
    ]);
    const answer = { ...result, timestamp: this.clock.now().toISOString(), checks: seedChecks(result) };
    if (!ok) throw new ServiceUnavailableException(answer);
    return answer;
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness probe', description: 'The process answers; nothing external is asked, so a database outage does not get the process restarted.' })
  @ApiOkResponse({ type: LivenessDto })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness probe', description: 'The database (and Redis, and with STORAGE_DRIVER=s3 the bucket) answer. 503 from the moment shutdown begins, so a balancer stops sending requests while they drain.' })
  @ApiOkResponse({ type: HealthCheckResultDto, description: 'Ready' })
  @ApiServiceUnavailableResponse({ type: HealthCheckResultDto, description: 'Not ready: a dependency is down, or shutdown has begun' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle(), () => this.database.pingCheck('database'), ...this.storageCheck(), ...this.redisCheck()]);
  }

  /** Terminus' result, also when it failed (a 503 carrying the same result). */
  private async run(checks: HealthIndicatorFunction[]): Promise<{ result: HealthCheckResult; ok: boolean }> {
    try {
      return { result: await this.health.check(checks), ok: true };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      return { result: error.getResponse() as HealthCheckResult, ok: false };
    }
  }

  private storageCheck(): HealthIndicatorFunction[] {
    return this.storage.enabled ? [() => this.storage.check()] : [];
  }

  private redisCheck(): HealthIndicatorFunction[] {
    return this.redis.enabled ? [() => this.redis.check()] : [];
  }

  private lifecycle() {
    const check = this.indicators.check('lifecycle');
    return this.shutdown.isShuttingDown ? check.down({ message: 'shutting down' }) : check.up();
  }
}

function seedChecks(result: HealthCheckResult): SeedHealthChecks {
  const { database, disk, images } = result.details as Record<string, { status: string; freeGb?: number; count?: number } | undefined>;
  return {
    database: database?.status === 'up' ? 'ok' : 'error',
    disk_space: {
      status: disk?.status === 'up' ? 'ok' : disk?.status === 'degraded' ? 'warning' : 'error',
      free_gb: disk?.freeGb ?? -1,
    },
    images: { total: images?.count ?? -1 },
  };
}
