import { Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/admin.guard.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { BackupService } from './backup.service.js';
import { BackupDto, toBackupDto } from './dto/backup.dto.js';
import { NativeApiController } from '../../common/http/api-versions.js';

@NativeApiController('maintenance', 'maintenance')
@AdminOnly()
export class BackupsController {
  constructor(private readonly backups: BackupService) {}

  @Post('backup')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Back up the database now (admin)',
    description: 'Into BACKUP_DIR, or the bucket with BACKUP_TARGET=s3 (uploaded, then read back and compared by sha256). SQLite: an online copy, checked with integrity_check, gzipped. PostgreSQL: pg_dump, read back with pg_restore. Backups past BACKUP_RETENTION_DAYS are removed after.',
  })
  @ApiCreatedResponse({ type: BackupDto })
  @ApiResponse({ status: 500, description: 'The copy failed its check (or pg_dump failed); nothing was kept', type: ErrorResponseDto })
  @ApiResponse({ status: 501, description: "PostgreSQL without pg_dump on the PATH: the database's own backups apply", type: ErrorResponseDto })
  @ApiResponse({ status: 507, description: 'BACKUP_DIR is not writable, not a directory, or full; nothing was written', type: ErrorResponseDto })
  async backup(): Promise<BackupDto> {
    return toBackupDto(await this.backups.backup());
  }

  @Get('backups')
  @ApiOperation({ summary: 'List the backups (admin)', description: 'The backups in BACKUP_DIR (or the bucket, with BACKUP_TARGET=s3), newest first, with size and time.' })
  @ApiOkResponse({ type: [BackupDto] })
  async list(): Promise<BackupDto[]> {
    return (await this.backups.list()).map(toBackupDto);
  }
}
