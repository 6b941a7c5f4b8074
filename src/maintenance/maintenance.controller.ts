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
  @ApiOperation({
    summary: 'Remove expired scene cache entries (admin)',
    description: 'Entries older than CACHE_EXPIRY_DAYS go, and so do the images only they used (soft-deleted, purged later). The scheduled job does the same on CLEANUP_CRON.',
  })
  @ApiOkResponse({ type: ExpiredCacheCleanupDto })
  cleanupExpiredCache(): Promise<ExpiredCacheCleanupDto> {
    return this.maintenance.cleanupExpiredCache();
  }

  @Post('cleanup/orphaned-images')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Purge deleted images and stray files (admin)',
    description: 'Purges soft-deleted images past IMAGE_PURGE_AFTER_DAYS (rows and files), files with no row and stale temp files, and reports rows whose files are missing. `dryRun=true` reports without changing anything.',
  })
  @ApiOkResponse({ type: OrphanCleanupDto })
  cleanupOrphans(@Query() query: DryRunQueryDto): Promise<OrphanCleanupDto> {
    return this.maintenance.cleanupOrphans({ dryRun: query.dryRun ?? false });
  }

  @Get('stats')
  @ApiOperation({ summary: 'Service statistics (admin)', description: 'Images, scene cache, storage, database, backups and uptime, in one answer.' })
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
