import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { NoControlCharacters, QueryBoolean, Trim } from '../../common/http/validation.js';
import { IMAGE_SOURCES, type ImageSource } from '../../generation/image-provider.js';
import { IMAGE_FIELD_LIMITS } from '../image.entity.js';
import { ImageDto } from './image.dto.js';

const SORTS = ['newest', 'oldest'] as const;
/** Far past any gallery's last page, and an offset every database takes as an integer. */
const MAX_PAGE = 1_000_000;

export class SearchImagesQueryDto {
  @ApiPropertyOptional({ description: 'Words that must all appear (as word prefixes) in the prompt or style', example: 'dwarf crypt' })
  @IsOptional()
  @Trim()
  @IsString()
  @NoControlCharacters()
  @MaxLength(500)
  q?: string;

  @ApiPropertyOptional({ example: 'char-42' })
  @IsOptional()
  @IsString()
  @NoControlCharacters()
  @MaxLength(IMAGE_FIELD_LIMITS.itemId)
  itemId?: string;

  @ApiPropertyOptional({ example: 'character' })
  @IsOptional()
  @IsString()
  @NoControlCharacters()
  @MaxLength(IMAGE_FIELD_LIMITS.itemType)
  itemType?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean({ message: 'featured must be true or false' })
  featured?: boolean;

  @ApiPropertyOptional({ enum: IMAGE_SOURCES, enumName: 'ImageSource' })
  @IsOptional()
  @IsIn(IMAGE_SOURCES, { message: `source must be one of: ${IMAGE_SOURCES.join(', ')}` })
  source?: ImageSource;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only the edits made from this image (lineage)' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsUUID('all', { message: 'parentId must be an image id (UUID)' })
  parentId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `page must be an integer from 1 to ${MAX_PAGE}` })
  @Min(1, { message: `page must be an integer from 1 to ${MAX_PAGE}` })
  @Max(MAX_PAGE, { message: `page must be an integer from 1 to ${MAX_PAGE}` })
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'pageSize must be an integer from 1 to 100' })
  @Min(1, { message: 'pageSize must be an integer from 1 to 100' })
  @Max(100, { message: 'pageSize must be an integer from 1 to 100' })
  pageSize: number = 20;

  @ApiPropertyOptional({ enum: SORTS, default: 'newest' })
  @IsOptional()
  @IsIn(SORTS, { message: `sort must be one of: ${SORTS.join(', ')}` })
  sort: (typeof SORTS)[number] = 'newest';
}

export class ImagePageDto {
  @ApiProperty({ type: [ImageDto] })
  items!: ImageDto[];

  @ApiProperty({ example: 42 })
  total!: number;

  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 20 })
  pageSize!: number;

  @ApiProperty({ example: 3 })
  totalPages!: number;
}
