import { Body, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/admin.guard.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { DryRunQueryDto } from '../common/http/dry-run-query.dto.js';
import { ImportReportDto, MigrateFromLocalStorageDto } from './dto/migrate.dto.js';
import { readImportBody } from './import-body.js';
import { LocalStorageImportService } from './local-storage-import.service.js';
import { NativeApiController } from '../common/http/api-versions.js';

@NativeApiController('migrate', 'migration')
export class LocalStorageImportController {
  constructor(private readonly migration: LocalStorageImportService) {}

  @Post('from-localstorage')
  @AdminOnly() // a bulk write: this machine needs no key, anyone else needs ADMIN_API_KEY
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import the browser game’s LocalStorage pictures (admin)',
    description: 'Takes structured entries, a raw dump, the game’s LocalStorage as it is, or the old route’s body. Idempotent: a picture imported before is skipped by its hash. One bad entry fails alone; `dryRun=true` reports without storing.',
  })
  @ApiOkResponse({ type: ImportReportDto })
  @ApiBody({ type: MigrateFromLocalStorageDto })
  @ApiErrors(400, 413)
  async import(@Body() body: unknown, @Query() query: DryRunQueryDto): Promise<ImportReportDto> {
    return this.migration.importBody(readImportBody(body), { dryRun: query.dryRun ?? false });
  }
}
