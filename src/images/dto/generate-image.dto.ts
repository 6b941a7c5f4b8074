import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { NoControlCharacters, OptionalText, Trim } from '../../common/http/validation.js';
import { AspectRatioField } from '../../generation/aspect-ratio.field.js';
import type { AspectRatio } from '../../generation/image-provider.js';

/** Lengths of an image's descriptive fields, for every way in (generate, import). */
export const IMAGE_FIELD_LIMITS = { style: 200, itemId: 200, itemType: 50 } as const;

export class GenerateImageDto {
  @ApiProperty({ minLength: 3, maxLength: 2000, example: 'a dwarf paladin in a torch-lit crypt' })
  @Trim()
  @IsString()
  @NoControlCharacters()
  @Length(3, 2000)
  prompt!: string;

  @OptionalText(IMAGE_FIELD_LIMITS.style, { example: 'oil painting' })
  style?: string;

  @OptionalText(IMAGE_FIELD_LIMITS.itemId, { example: 'char-42', description: 'The app object this image belongs to' })
  itemId?: string;

  @OptionalText(IMAGE_FIELD_LIMITS.itemType, { example: 'character' })
  itemType?: string;

  @AspectRatioField()
  aspectRatio?: AspectRatio;
}
