import { ApiProperty } from '@nestjs/swagger';
import { SceneCacheStatsDto } from '../../scenes/dto/generate-scene.dto.js';
import { IMAGE_VARIANTS, type ImageVariant } from '../../storage/storage-paths.js';

export class ExpiredCacheCleanupDto {
  @ApiProperty({ description: 'Expired scene entries removed' }) deletedEntries!: number;
  @ApiProperty({ description: 'Images only those entries used, removed (rows and files; featured ones are kept)' }) deletedImages!: number;
  @ApiProperty() freedBytes!: number;
  @ApiProperty({ description: 'Records of generation jobs finished more than JOB_RETENTION_DAYS ago, removed' }) deletedJobs!: number;
}

class MissingFileDto {
  @ApiProperty({ format: 'uuid' }) imageId!: string;
  @ApiProperty({ enum: IMAGE_VARIANTS }) variant!: ImageVariant;
}

export class OrphanCleanupDto {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ description: 'Soft-deleted images purged after IMAGE_PURGE_AFTER_DAYS (rows and files)' }) deletedImages!: number;
  @ApiProperty({ description: 'Files with no image row and stale temp files, older than an hour' }) deletedFiles!: number;
  @ApiProperty() freedBytes!: number;
  @ApiProperty({ type: [MissingFileDto], description: 'Active images whose files are missing (reported, not dropped)' })
  missingFiles!: MissingFileDto[];
}

class ImageCountsDto {
  @ApiProperty({ description: 'Rows, soft-deleted included' }) total!: number;
  @ApiProperty() active!: number;
  @ApiProperty({ description: 'Soft-deleted, files kept until orphan cleanup' }) deleted!: number;
  @ApiProperty() featured!: number;
}

class StorageStatsDto {
  @ApiProperty({ description: 'Images whose files are on disk (soft-deleted included)' }) files!: number;
  @ApiProperty() fullBytes!: number;
  @ApiProperty() thumbnailBytes!: number;
}

class DatabaseStatsDto {
  @ApiProperty({ enum: ['sqlite', 'postgres'], example: 'sqlite' }) driver!: 'sqlite' | 'postgres';
  @ApiProperty({ description: 'SQLite: the database file plus its write-ahead log; PostgreSQL: pg_database_size' }) sizeBytes!: number;
}

export class BackupSummaryDto {
  @ApiProperty() count!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) latestAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) latestBytes!: number | null;
}

export class MaintenanceStatsDto {
  @ApiProperty({ type: ImageCountsDto }) images!: ImageCountsDto;
  @ApiProperty({ type: SceneCacheStatsDto }) cache!: SceneCacheStatsDto;
  @ApiProperty({ type: StorageStatsDto }) storage!: StorageStatsDto;
  @ApiProperty({ type: DatabaseStatsDto }) database!: DatabaseStatsDto;
  @ApiProperty({ type: BackupSummaryDto }) backups!: BackupSummaryDto;
  @ApiProperty() uptimeSeconds!: number;
}
