import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength, MinLength } from 'class-validator';
import { Trim } from '../../common/http/validation.js';
import { ASPECT_RATIOS, type AspectRatio } from '../../generation/image-provider.js';

export class GenerateImageDto {
  @ApiProperty({ minLength: 3, maxLength: 2000, example: 'a dwarf paladin in a torch-lit crypt' })
  @Trim()
  @IsString()
  @Length(3, 2000)
  prompt!: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'oil painting' })
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  style?: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'char-42', description: 'The app object this image belongs to' })
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  itemId?: string;

  @ApiPropertyOptional({ maxLength: 50, example: 'character' })
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  itemType?: string;

  @ApiPropertyOptional({ enum: ASPECT_RATIOS, default: '1:1' })
  @IsOptional()
  @IsIn(ASPECT_RATIOS, { message: `aspectRatio must be one of: ${ASPECT_RATIOS.join(', ')}` })
  aspectRatio?: AspectRatio;
}
