import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { OptionalText, RequiredText } from '../../common/http/validation.js';
import { DrawingOptionsDto } from '../../images/dto/drawing-options.dto.js';
import { IMAGE_FIELD_LIMITS } from '../../images/image.entity.js';
import { ImageDto } from '../../images/dto/image.dto.js';
import type { SceneCacheStats } from '../scenes.service.js';

export class GenerateSceneDto extends DrawingOptionsDto {
  @RequiredText(3, 4000, { example: 'The party enters a flooded dwarven forge lit by glowing runes' })
  description!: string;

  @OptionalText(IMAGE_FIELD_LIMITS.style, { example: 'watercolour' })
  style?: string;

  @ApiPropertyOptional({ default: false, description: 'Draw anew even when a fresh cached image exists' })
  @IsOptional()
  @IsBoolean({ message: 'forceRegenerate must be true or false' })
  forceRegenerate?: boolean;
}

export class SceneDto {
  @ApiProperty({ description: 'true when answered from the cache' })
  cached!: boolean;

  @ApiProperty({ description: 'sha256 of the normalized description, style, aspect ratio, model, and (when not a plain 1K request) size and references' })
  cacheKey!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ description: 'Requests answered from this cache entry so far' })
  hitCount!: number;

  @ApiProperty({ type: ImageDto })
  image!: ImageDto;
}

export class SceneCacheStatsDto {
  @ApiProperty() entries!: number;
  @ApiProperty() activeEntries!: number;
  @ApiProperty() expiredEntries!: number;
  @ApiProperty({ description: 'Requests answered from the cache since the last clear' }) hits!: number;
  @ApiProperty({ description: 'Requests answered by generating since the last clear' }) misses!: number;
  @ApiProperty({ description: 'hits ÷ (hits + misses); 0 before any request' }) hitRate!: number;
  @ApiProperty({ description: 'Bytes of the cached images (full + thumbnail)' }) totalBytes!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) oldestEntryAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) newestEntryAt!: string | null;
  @ApiProperty() expiryDays!: number;
}

export function toSceneCacheStatsDto(stats: SceneCacheStats): SceneCacheStatsDto {
  return { ...stats, oldestEntryAt: stats.oldestEntryAt?.toISOString() ?? null, newestEntryAt: stats.newestEntryAt?.toISOString() ?? null };
}

export class ClearSceneCacheDto {
  @ApiProperty({ description: 'Entries removed' })
  cleared!: number;
}
