import { Body, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { Clock } from '../common/clock.js';
import { MaintenanceService } from '../maintenance/maintenance.service.js';
import { readImportBody } from '../import/import-body.js';
import { MigrateFromLocalStorageDto } from '../import/dto/migrate.dto.js';
import { LocalStorageImportService } from '../import/local-storage-import.service.js';
import { SeedImportReportDto, SeedMaintenanceStatsDto } from './dto/seed-maintenance.dto.js';
import { SeedCleanupDto } from './dto/seed-scene.dto.js';
import { SeedApiController } from './seed-api-controller.decorator.js';
import { SeedApiErrorResponses } from './seed-api-responses.decorator.js';
import { megabytes } from './seed-presenter.js';

/** `/api/v1/maintenance`: the old cleanup and stats routes (admin here; this machine needs no key). */
@SeedApiController('maintenance', 'maintenance')
@AdminOnly()
export class SeedMaintenanceController {
  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly clock: Clock,
  ) {}

  @Post('cleanup/expired-cache')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove expired scene cache entries (admin)', description: 'And the images only they used, as the native route does.' })
  @ApiOkResponse({ type: SeedCleanupDto })
  @SeedApiErrorResponses(401, 403)
  async cleanupExpiredCache(): Promise<SeedCleanupDto> {
    const { deletedEntries } = await this.maintenance.cleanupExpiredCache();
    return { deleted: deletedEntries, message: `Deleted ${deletedEntries} expired cache entries`, timestamp: this.clock.now().toISOString() };
  }

  @Post('cleanup/orphaned-images')
  @HttpCode(200)
  @ApiOperation({ summary: 'Purge deleted images and stray files (admin)', description: 'Images deleted longer ago than IMAGE_PURGE_AFTER_DAYS (rows and files), and files with no row.' })
  @ApiOkResponse({ type: SeedCleanupDto })
  @SeedApiErrorResponses(401, 403)
  async cleanupOrphans(): Promise<SeedCleanupDto> {
    const { deletedImages } = await this.maintenance.cleanupOrphans({ dryRun: false });
    return { deleted: deletedImages, message: `Deleted ${deletedImages} orphaned images`, timestamp: this.clock.now().toISOString() };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Image and scene cache counts (admin)', description: 'In the old backend’s shape.' })
  @ApiOkResponse({ type: SeedMaintenanceStatsDto })
  @SeedApiErrorResponses(401, 403)
  async stats(): Promise<SeedMaintenanceStatsDto> {
    const { images, cache, storage } = await this.maintenance.stats();
    return {
      images: { active: images.active, deleted: images.deleted, storage_mb: megabytes(storage.fullBytes) },
      cache: { total: cache.entries, active: cache.activeEntries, expired: cache.expiredEntries },
      timestamp: this.clock.now().toISOString(),
    };
  }
}

/** `/api/v1/migrate`: the LocalStorage import, answered with the old report. */
@SeedApiController('migrate', 'migration')
export class SeedMigrationController {
  constructor(private readonly migration: LocalStorageImportService) {}

  @Post('from-localstorage')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import the browser game’s LocalStorage pictures (admin)',
    description: 'Its LocalStorage as it is, or the old documented body. Idempotent: a picture imported before is skipped by its hash.',
  })
  @ApiBody({ type: MigrateFromLocalStorageDto })
  @ApiOkResponse({ type: SeedImportReportDto })
  @SeedApiErrorResponses(401, 403, 413)
  async import(@Body() body: unknown): Promise<SeedImportReportDto> {
    const report = await this.migration.importBody(readImportBody(body), { dryRun: false });
    // Partial when some of the dump is in the service, now or from an earlier run.
    const present = report.imported.images + report.imported.scenes + report.skipped.duplicates;
    return {
      scenes: report.imported.scenes,
      items: report.imported.images,
      errors: report.failed.map(({ ref, reason }) => ({ key: ref, error: reason })),
      total_size_mb: megabytes(report.importedBytes),
      status: report.failed.length === 0 ? 'success' : present > 0 ? 'partial' : 'failed',
    };
  }
}
