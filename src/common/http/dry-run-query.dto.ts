import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { QueryBoolean } from './validation.js';

/** `?dryRun=true`: any route that can report what it would change without changing it. */
export class DryRunQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Report what would be removed, remove nothing' })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;
}
