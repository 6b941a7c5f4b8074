import { ApiProperty, ApiPropertyOptional, type SchemaObject } from '@nestjs/swagger';

const INDICATOR: SchemaObject = {
  type: 'object',
  properties: { status: { type: 'string', description: '`up`, `degraded` or `down`' } },
  required: ['status'],
  additionalProperties: true,
};
const INDICATORS = { type: 'object', additionalProperties: INDICATOR } as const;

/**
 * Terminus' answer, documented here rather than by @HealthCheck (whose documentation depends
 * on how `@nestjs/swagger` can be loaded, and lacks the fields below).
 */
export class HealthCheckResultDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'error', 'shutting_down'], description: '`degraded`: a check is impaired but the service works (the old contract’s values)' })
  status!: string;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that are up (or degraded), by name' })
  info?: Record<string, { status: string }>;

  @ApiPropertyOptional({ ...INDICATORS, description: 'The checks that are down, by name' })
  error?: Record<string, { status: string }>;

  @ApiProperty({ ...INDICATORS, description: 'Every check, by name, with what it found (free space, counts, the Gemini model …)' })
  details!: Record<string, { status: string }>;
}

class DiskSpaceCheckDto {
  @ApiProperty({ enum: ['ok', 'warning', 'error'] }) status!: string;
  @ApiProperty({ description: 'Free space where images are stored, in GB (-1 when unknown)' }) free_gb!: number;
}

class ImageCountCheckDto {
  @ApiProperty({ description: 'Stored images (-1 when unknown)' }) total!: number;
}

/** The old backend's view, which its game and test script read. */
class SeedHealthChecksDto {
  @ApiProperty({ enum: ['ok', 'error'] }) database!: string;
  @ApiProperty({ type: DiskSpaceCheckDto }) disk_space!: DiskSpaceCheckDto;
  @ApiProperty({ type: ImageCountCheckDto }) images!: ImageCountCheckDto;
}

export class HealthAnswerDto extends HealthCheckResultDto {
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ type: SeedHealthChecksDto }) checks!: SeedHealthChecksDto;
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}
