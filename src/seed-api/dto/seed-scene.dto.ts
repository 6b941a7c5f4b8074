import { ApiProperty } from '@nestjs/swagger';
import { AcceptsUnknownFields } from '../../common/http/validation.js';
import { SeedQueryFlag, SeedText } from './seed-fields.js';

/** `POST /api/v1/scenes/generate`: everything in the query string, as the old route took it. */
@AcceptsUnknownFields()
export class SeedSceneQueryDto {
  @SeedText('location', { min: 1, max: 200 }, { required: true, doc: { example: 'Emberpeak Tavern' } })
  location!: string;

  @SeedText('time_of_day', { min: 1, max: 100 }, { doc: { default: 'day', example: 'dawn' } })
  time_of_day: string = 'day';

  @SeedText('weather', { min: 1, max: 100 }, { doc: { default: 'clear', example: 'foggy' } })
  weather: string = 'clear';

  @SeedQueryFlag('force_regenerate', false)
  force_regenerate: boolean = false;
}

@AcceptsUnknownFields()
export class SeedClearScenesQueryDto {
  @SeedText('location', { min: 1, max: 200 }, { trim: false, doc: { description: 'Clear only this location’s scenes (all when absent)' } })
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
