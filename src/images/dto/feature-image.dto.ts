import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class FeatureImageDto {
  @ApiPropertyOptional({ description: 'Set featured to this value; omit (or send no body) to toggle' })
  @IsOptional()
  @IsBoolean()
  featured?: boolean;
}
