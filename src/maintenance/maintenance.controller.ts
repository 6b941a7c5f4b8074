import { Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { toSceneCacheStatsDto } from '../scenes/dto/generate-scene.dto.js';
import { DryRunQueryDto } from '../common/http/dry-run-query.dto.js';
import { ExpiredCacheCleanupDto, MaintenanceStatsDto, OrphanCleanupDto } from './dto/maintenance.dto.js';
import { MaintenanceService } from './maintenance.service.js';
import { NativeApiController } from '../common/http/api-versions.js';

@NativeApiController('maintenance', 'maintenance')
@AdminOnly()
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Post('cleanup/expired-cache')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove expired scene entries and the images only they used' })
  @ApiOkResponse({ type: ExpiredCacheCleanupDto })
  cleanupExpiredCache(): Promise<ExpiredCacheCleanupDto> {
    return this.maintenance.cleanupExpiredCache();
  }

  @Post('cleanup/orphaned-images')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Purge soft-deleted images past IMAGE_PURGE_AFTER_DAYS, files with no row and stale temp files; report rows whose files are missing',
  })
  @ApiOkResponse({ type: OrphanCleanupDto })
  cleanupOrphans(@Query() query: DryRunQueryDto): Promise<OrphanCleanupDto> {
    return this.maintenance.cleanupOrphans({ dryRun: query.dryRun ?? false });
  }

  @Get('stats')
  @ApiOperation({ summary: 'Images, scene cache, storage, database, backups and uptime' })
  @ApiOkResponse({ type: MaintenanceStatsDto })
  async stats(): Promise<MaintenanceStatsDto> {
    const stats = await this.maintenance.stats();
    return {
      ...stats,
      cache: toSceneCacheStatsDto(stats.cache),
      backups: { ...stats.backups, latestAt: stats.backups.latestAt?.toISOString() ?? null },
    };
  }
}
