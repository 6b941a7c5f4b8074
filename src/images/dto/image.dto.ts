import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NATIVE_API_BASE } from '../../common/http/api-versions.js';
import { ASPECT_RATIOS, IMAGE_SOURCES, type ImageSource } from '../../generation/image-provider.js';
import type { ImageEntity } from '../image.entity.js';

class ImageUrlsDto {
  @ApiProperty({ example: '/api/v2/images/3f0c…/full' })
  full!: string;

  @ApiProperty({ example: '/api/v2/images/3f0c…/thumbnail' })
  thumbnail!: string;
}

export class ImageDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'a dwarf paladin in a torch-lit crypt' })
  prompt!: string;

  @ApiProperty({ type: String, nullable: true, example: 'oil painting' })
  style!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'char-42' })
  itemId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'character' })
  itemType!: string | null;

  @ApiProperty()
  featured!: boolean;

  @ApiProperty({ enum: IMAGE_SOURCES, enumName: 'ImageSource' })
  source!: ImageSource;

  @ApiProperty({ type: String, nullable: true, example: 'gemini-3.1-flash-image' })
  model!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The image this one was edited from (lineage); null for a first drawing' })
  parentId!: string | null;

  // Inline, not the named AspectRatio: OpenAPI 3.0 cannot mark a reference nullable.
  @ApiPropertyOptional({ type: String, enum: ASPECT_RATIOS, nullable: true })
  aspectRatio!: string | null;

  @ApiProperty({ example: 1024 })
  width!: number;

  @ApiProperty({ example: 1024 })
  height!: number;

  @ApiProperty({ description: 'Size of the stored full WebP in bytes', example: 123456 })
  sizeBytes!: number;

  @ApiProperty({ example: 200 })
  thumbnailWidth!: number;

  @ApiProperty({ example: 200 })
  thumbnailHeight!: number;

  @ApiProperty({ description: 'sha256 hex of the stored full WebP' })
  contentHash!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: ImageUrlsDto })
  urls!: ImageUrlsDto;
}

export const IMAGES_BASE_PATH = `${NATIVE_API_BASE}/images`;

export function toImageDto(image: ImageEntity): ImageDto {
  return {
    id: image.id,
    prompt: image.prompt,
    style: image.style,
    itemId: image.itemId,
    itemType: image.itemType,
    featured: image.featured,
    source: image.source,
    model: image.model,
    parentId: image.parentId,
    aspectRatio: image.aspectRatio,
    width: image.width,
    height: image.height,
    sizeBytes: image.sizeBytes,
    thumbnailWidth: image.thumbnailWidth,
    thumbnailHeight: image.thumbnailHeight,
    contentHash: image.contentHash,
    createdAt: image.createdAt.toISOString(),
    urls: {
      full: `${IMAGES_BASE_PATH}/${image.id}/full`,
      thumbnail: `${IMAGES_BASE_PATH}/${image.id}/thumbnail`,
    },
  };
}
