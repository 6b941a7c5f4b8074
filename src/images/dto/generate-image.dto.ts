import { OptionalText, RequiredText } from '../../common/http/validation.js';
import { AspectRatioField } from '../../generation/aspect-ratio.field.js';
import type { ImageSize } from '../../generation/gemini-models.js';
import type { AspectRatio } from '../../generation/image-provider.js';
import { IMAGE_FIELD_LIMITS } from '../image.entity.js';
import { CallbackUrlField, DrawingOptionsDto, ImageSizeField } from './drawing-options.dto.js';


export class GenerateImageDto extends DrawingOptionsDto {
  @RequiredText(3, 2000, { example: 'a dwarf paladin in a torch-lit crypt' })
  prompt!: string;

  @OptionalText(IMAGE_FIELD_LIMITS.style, { example: 'oil painting' })
  style?: string;

  @OptionalText(IMAGE_FIELD_LIMITS.itemId, { example: 'char-42', description: 'The app object this image belongs to' })
  itemId?: string;

  @OptionalText(IMAGE_FIELD_LIMITS.itemType, { example: 'character' })
  itemType?: string;
}

export class EditImageDto {
  @RequiredText(3, 2000, { example: 'the same dwarf, wounded, in the rain', description: 'What to change; the rest of the picture stays' })
  instruction!: string;

  @AspectRatioField()
  aspectRatio?: AspectRatio;

  @ImageSizeField()
  imageSize?: ImageSize;

  @CallbackUrlField()
  callbackUrl?: string;
}
