import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUrl, IsUUID, Length, MaxLength } from 'class-validator';
import { NoControlCharacters } from '../../common/http/validation.js';
import { AspectRatioField } from '../../generation/aspect-ratio.field.js';
import { IMAGE_SIZES, type ImageSize } from '../../generation/gemini-models.js';
import type { AspectRatio } from '../../generation/image-provider.js';
import type { ReferenceRequest } from '../image-references.js';

/** The most reference pictures any model takes; each model's own limit is checked by the service. */
export const MAX_REFERENCES = 14;
const ITEM_ID_LENGTH = 200;

/** An optional output resolution among IMAGE_SIZES; the error lists them. */
export function ImageSizeField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: IMAGE_SIZES, enumName: 'ImageSize', description: 'Output resolution, where the model draws it; GEMINI_IMAGE_SIZE by default' }),
    IsOptional(),
    IsIn(IMAGE_SIZES, { message: `imageSize must be one of: ${IMAGE_SIZES.join(', ')}` }),
  );
}

/** An optional webhook for an asynchronous request's job (checked against WEBHOOK_ALLOWED_HOSTS by the service). */
export function CallbackUrlField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      format: 'uri',
      maxLength: 2000,
      description: 'With `Prefer: respond-async`: where to POST the job when it ends (signed; see the README’s Webhooks). Its host must be in WEBHOOK_ALLOWED_HOSTS.',
      example: 'https://tables.example.com/hooks/images',
    }),
    IsOptional(),
    IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'callbackUrl must be an http(s) URL' }),
    MaxLength(2000),
  );
}

/** How a picture is drawn: shape, size, and what it must stay consistent with. */
export class DrawingOptionsDto {
  @CallbackUrlField()
  callbackUrl?: string;

  @AspectRatioField()
  aspectRatio?: AspectRatio;

  @ImageSizeField()
  imageSize?: ImageSize;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_REFERENCES,
    description: 'Ids of stored images the model is shown as references',
  })
  @IsOptional()
  @IsArray({ message: 'references must be an array of image ids' })
  @ArrayMaxSize(MAX_REFERENCES, { message: `references must have at most ${MAX_REFERENCES} image ids` })
  @Transform(({ value }) => (Array.isArray(value) ? value.map((id: unknown) => (typeof id === 'string' ? id.toLowerCase() : id)) : value))
  @IsUUID('all', { each: true, message: 'references must hold image ids (UUIDs)' })
  references?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_REFERENCES,
    example: ['char-42'],
    description: 'Item ids of characters to keep consistent: each one’s featured image is shown to the model',
  })
  @IsOptional()
  @IsArray({ message: 'characters must be an array of item ids' })
  @ArrayMaxSize(MAX_REFERENCES, { message: `characters must have at most ${MAX_REFERENCES} item ids` })
  @IsString({ each: true, message: 'characters must hold item ids (strings)' })
  @Length(1, ITEM_ID_LENGTH, { each: true, message: `each of characters must be 1 to ${ITEM_ID_LENGTH} characters long` })
  @NoControlCharacters()
  characters?: string[];
}

export function referenceRequestOf(options: DrawingOptionsDto): ReferenceRequest {
  return { imageIds: options.references, characterIds: options.characters };
}
