import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { QueryBoolean } from '../../common/http/validation.js';

export class ExpiredCacheCleanupDto {
  @ApiProperty({ description: 'Expired scene entries removed' }) deletedEntries!: number;
  @ApiProperty({ description: 'Images only those entries used, removed (rows and files; featured ones are kept)' }) deletedImages!: number;
  @ApiProperty() freedBytes!: number;
}

export class DryRunQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Report what would be removed, remove nothing' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;
}

class MissingFileDto {
  @ApiProperty({ format: 'uuid' }) imageId!: string;
  @ApiProperty({ enum: ['full', 'thumbnail'] }) variant!: 'full' | 'thumbnail';
}

export class OrphanCleanupDto {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ description: 'Soft-deleted images purged after IMAGE_PURGE_AFTER_DAYS (rows and files)' }) deletedImages!: number;
  @ApiProperty({ description: 'Files with no image row and stale temp files, older than an hour' }) deletedFiles!: number;
  @ApiProperty() freedBytes!: number;
  @ApiProperty({ type: [MissingFileDto], description: 'Active images whose files are missing (reported, not dropped)' })
  missingFiles!: MissingFileDto[];
}
