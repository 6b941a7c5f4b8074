import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateBy, type ValidationArguments } from 'class-validator';
import { AcceptsUnknownFields } from '../../common/http/validation.js';
import { IMAGE_NUMBER_RANGE, SeedInteger, SeedQueryFlag, SeedText } from './seed-fields.js';

export const SUBJECT_TYPES = ['scene', 'item', 'character'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];
/** The old backend's four ratios (v2 takes all of Gemini's). */
export const SEED_ASPECT_RATIOS = ['1:1', '16:9', '4:3', '9:16'] as const;
const SCRIPT_LIKE = ['<script', 'javascript:', 'onerror', 'eval(', '<?php', '<iframe'];

/** The old validator: a custom prompt must name its subject and hold nothing script-like. */
function IsCustomPromptFor(subjectField: string): PropertyDecorator {
  return ValidateBy({
    name: 'customPrompt',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        if (typeof value !== 'string') return false;
        const text = value.toLowerCase();
        const subject = (args?.object as Record<string, unknown>)[subjectField];
        return !SCRIPT_LIKE.some((pattern) => text.includes(pattern)) && (typeof subject !== 'string' || text.includes(subject.toLowerCase()));
      },
      defaultMessage: (args?: ValidationArguments) => {
        const text = String(args?.value ?? '').toLowerCase();
        if (SCRIPT_LIKE.some((pattern) => text.includes(pattern))) return `Value error, Invalid content in custom prompt: remove script-like text (${SCRIPT_LIKE.join(', ')})`;
        return `Value error, Custom prompt must mention ${String((args?.object as Record<string, unknown>)[subjectField])}`;
      },
    },
  });
}

/** `POST /api/v1/images/generate`, as the old game and scripts send it (unknown fields are ignored). */
@AcceptsUnknownFields()
export class SeedGenerateImageDto {
  @ApiProperty({ enum: SUBJECT_TYPES, example: 'scene' })
  @IsIn(SUBJECT_TYPES, { message: `subject_type should be one of: ${SUBJECT_TYPES.join(', ')}` })
  subject_type!: SubjectType;

  @SeedText('subject_name', { min: 1, max: 200 }, { required: true, doc: { example: 'Test Tavern', description: 'What the picture shows; searched exactly by subject_name' } })
  subject_name!: string;

  @SeedText('prompt', { min: 10, max: 1000 }, { required: true, trim: false, doc: { example: 'A cozy medieval tavern interior with wooden tables, fireplace, and warm lighting.' } })
  prompt!: string;

  @SeedText('custom_prompt', { max: 200 }, { trim: false, doc: { description: 'Added to the prompt as "<prompt>. <custom_prompt>"; must mention subject_name' } })
  @IsCustomPromptFor('subject_name')
  custom_prompt?: string;

  @ApiPropertyOptional({ enum: SEED_ASPECT_RATIOS, default: '16:9' })
  @IsOptional()
  @IsIn(SEED_ASPECT_RATIOS, { message: `aspect_ratio should be one of: ${SEED_ASPECT_RATIOS.join(', ')}` })
  aspect_ratio: (typeof SEED_ASPECT_RATIOS)[number] = '16:9';

  @SeedText('component', { min: 1, max: 100 }, { trim: false, doc: { default: 'scene-viewer', description: 'Which part of the client asks' } })
  component: string = 'scene-viewer';
}

@AcceptsUnknownFields()
export class SeedSearchImagesQueryDto {
  @SeedText('subject_name', { max: 200 }, { trim: false, doc: { description: 'Exactly this subject', example: 'Test Tavern' } })
  subject_name?: string;

  @SeedText('subject_type', { max: 50 }, { trim: false, doc: { example: 'scene' } })
  subject_type?: string;

  @SeedQueryFlag('is_featured')
  is_featured?: boolean;

  @SeedInteger('page', { min: 1, max: 1_000_000 }, { default: 1 })
  page: number = 1;

  @SeedInteger('page_size', { min: 1, max: 100 }, { default: 12 })
  page_size: number = 12;
}

export class SeedImageIdParamsDto {
  @SeedInteger('image_id', IMAGE_NUMBER_RANGE, { description: 'The image’s integer id', required: true })
  image_id!: number;
}

@AcceptsUnknownFields()
export class SeedGetImageQueryDto {
  @SeedQueryFlag('include_data', true)
  include_data: boolean = true;
}

/** An image as the old backend answered it. */
export class SeedImageDto {
  @ApiProperty({ example: 42, description: 'Stable integer id' }) id!: number;
  @ApiProperty({ example: 'Test Tavern' }) subject_name!: string;
  @ApiProperty({ example: 'scene' }) subject_type!: string;
  @ApiProperty({ example: 'scene-viewer' }) component!: string;
  @ApiProperty({ example: 'images/full/3f0c….webp', description: 'Names the stored picture (the old relative path form)' }) storage_path_full!: string;
  @ApiProperty({ example: 'images/thumbnails/3f0c….webp' }) storage_path_thumbnail!: string;
  @ApiProperty({ example: 123456 }) file_size_bytes!: number;
  @ApiProperty({ example: 4200, description: 'How long the provider took; 0 for imports' }) generation_time_ms!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty() is_featured!: boolean;
  @ApiProperty({ description: 'Times fetched by GET /api/v1/images/{id}' }) use_count!: number;
}

export class SeedImageWithDataDto extends SeedImageDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The full WebP, base64 (with include_data, the default)' })
  base64_data?: string | null;
}

export class SeedImagePageDto {
  @ApiProperty({ type: [SeedImageDto] }) items!: SeedImageDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() page_size!: number;
  @ApiProperty() total_pages!: number;
}

export class SeedFeatureResultDto {
  @ApiProperty() id!: number;
  @ApiProperty() is_featured!: boolean;
  @ApiProperty() subject_name!: string;
}

export class SeedDeleteResultDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'deleted' }) status!: 'deleted';
  @ApiProperty({ example: 'Image marked for deletion' }) message!: string;
}
