import { ApiProperty } from '@nestjs/swagger';
import type { BackupInfo } from '../backup.service.js';

export class BackupDto {
  @ApiProperty({ example: 'dnd_game_20260101_020000.db.gz', description: 'File name in BACKUP_DIR (or the bucket): `.db.gz` (SQLite) or `.pgdump` (PostgreSQL)' })
  file!: string;

  @ApiProperty({ description: 'Size of the archive' })
  sizeBytes!: number;

  @ApiProperty({ format: 'date-time', description: 'When the backup was taken (UTC, whole seconds, from the name)' })
  createdAt!: string;
}

export function toBackupDto(backup: BackupInfo): BackupDto {
  return { file: backup.file, sizeBytes: backup.sizeBytes, createdAt: backup.createdAt.toISOString() };
}
