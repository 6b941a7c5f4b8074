import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ASPECT_RATIOS } from './image-provider.js';

/** An optional aspect ratio among those Gemini accepts; the error lists them. */
export function AspectRatioField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: ASPECT_RATIOS, enumName: 'AspectRatio', default: '1:1' }),
    IsOptional(),
    IsIn(ASPECT_RATIOS, { message: `aspectRatio must be one of: ${ASPECT_RATIOS.join(', ')}` }),
  );
}
