import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { AcceptsUnknownFields, NoControlCharacters, Trim } from '../../common/http/validation.js';
import { SeedQueryFlag } from './seed-fields.js';

/** `POST /api/v1/scenes/generate`: everything in the query string, as the old route took it. */
@AcceptsUnknownFields()
export class SeedSceneQueryDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Emberpeak Tavern' })
  @Trim()
  @IsString({ message: 'location should be a valid string' })
  @NoControlCharacters()
  @MinLength(1, { message: 'location should have 1 to 200 characters' })
  @MaxLength(200, { message: 'location should have 1 to 200 characters' })
  location!: string;

  @ApiPropertyOptional({ default: 'day', maxLength: 100, example: 'dawn' })
  @IsOptional()
  @Trim()
  @IsString()
  @NoControlCharacters()
  @MinLength(1, { message: 'time_of_day should have 1 to 100 characters' })
  @MaxLength(100, { message: 'time_of_day should have 1 to 100 characters' })
  time_of_day: string = 'day';

  @ApiPropertyOptional({ default: 'clear', maxLength: 100, example: 'foggy' })
  @IsOptional()
  @Trim()
  @IsString()
  @NoControlCharacters()
  @MinLength(1, { message: 'weather should have 1 to 100 characters' })
  @MaxLength(100, { message: 'weather should have 1 to 100 characters' })
  weather: string = 'clear';

  @SeedQueryFlag('force_regenerate', false)
  force_regenerate: boolean = false;
}

@AcceptsUnknownFields()
export class SeedClearScenesQueryDto {
  @ApiPropertyOptional({ description: 'Clear only this location’s scenes (all when absent)' })
  @IsOptional()
  @IsString()
  @NoControlCharacters()
  @MinLength(1, { message: 'location should have 1 to 200 characters' })
  @MaxLength(200, { message: 'location should have 1 to 200 characters' })
  location?: string;
}

export class SeedSceneStatsDto {
  @ApiProperty() total_scenes!: number;
  @ApiProperty() active_cache_entries!: number;
  @ApiProperty() expired!: number;
  @ApiProperty({ description: 'Percent of scene requests answered from the cache' }) cache_hit_rate!: number;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
}

export class SeedDeletedDto {
  @ApiProperty() deleted!: number;
  @ApiProperty() message!: string;
}

export class SeedCleanupDto extends SeedDeletedDto {
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
}
