import { ApiProperty } from '@nestjs/swagger';

class SeedImageCountsDto {
  @ApiProperty() active!: number;
  @ApiProperty() deleted!: number;
  @ApiProperty({ description: 'Full-size pictures, in MB' }) storage_mb!: number;
}

class SeedCacheCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty() active!: number;
  @ApiProperty() expired!: number;
}

export class SeedMaintenanceStatsDto {
  @ApiProperty({ type: SeedImageCountsDto }) images!: SeedImageCountsDto;
  @ApiProperty({ type: SeedCacheCountsDto }) cache!: SeedCacheCountsDto;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
}

class SeedImportErrorDto {
  @ApiProperty({ description: 'Which entry' }) key!: string;
  @ApiProperty({ description: 'Why it was not imported' }) error!: string;
}

export class SeedImportReportDto {
  @ApiProperty({ description: 'Scenes imported' }) scenes!: number;
  @ApiProperty({ description: 'Pictures imported as gallery images' }) items!: number;
  @ApiProperty({ type: [SeedImportErrorDto] }) errors!: SeedImportErrorDto[];
  @ApiProperty({ description: 'Size of what was imported, in MB' }) total_size_mb!: number;
  @ApiProperty({ enum: ['success', 'partial', 'failed'] }) status!: 'success' | 'partial' | 'failed';
}
