import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';
import { Trim } from '../../common/http/validation.js';
import { ASPECT_RATIOS, type AspectRatio } from '../../generation/image-provider.js';
import { ImageDto } from '../../images/dto/image.dto.js';
import type { SceneCacheStats } from '../scenes.service.js';

export class GenerateSceneDto {
  @ApiProperty({ minLength: 3, maxLength: 4000, example: 'The party enters a flooded dwarven forge lit by glowing runes' })
  @Trim()
  @IsString()
  @Length(3, 4000)
  description!: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'watercolour' })
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  style?: string;

  @ApiPropertyOptional({ enum: ASPECT_RATIOS, default: '1:1' })
  @IsOptional()
  @IsIn(ASPECT_RATIOS, { message: `aspectRatio must be one of: ${ASPECT_RATIOS.join(', ')}` })
  aspectRatio?: AspectRatio;

  @ApiPropertyOptional({ default: false, description: 'Draw anew even when a fresh cached image exists' })
  @IsOptional()
  @IsBoolean({ message: 'forceRegenerate must be true or false' })
  forceRegenerate?: boolean;
}

export class SceneDto {
  @ApiProperty({ description: 'true when answered from the cache' })
  cached!: boolean;

  @ApiProperty({ description: 'sha256 of the normalized description, style, aspect ratio and model' })
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
