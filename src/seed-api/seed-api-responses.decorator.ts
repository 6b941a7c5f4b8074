import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

class SeedErrorDetailDto {
  @ApiProperty({ example: 'error' }) status!: 'error';
  @ApiProperty({ example: 404 }) code!: number;
  @ApiProperty({ example: 'Image 42 was not found' }) message!: string;
  @ApiPropertyOptional({ description: 'A safety refusal’s reason code' }) detail?: string;
}

/** The old backend's error body. */
export class SeedErrorDto {
  @ApiProperty({ type: SeedErrorDetailDto }) detail!: SeedErrorDetailDto;
}

class FastApiValidationDetailDto {
  @ApiProperty({ example: 'string_too_short' }) type!: string;
  @ApiProperty({ example: ['body', 'prompt'], type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] } }) loc!: Array<string | number>;
  @ApiProperty({ example: 'prompt should have 10 to 1000 characters' }) msg!: string;
  @ApiPropertyOptional({ description: 'What was sent' }) input?: unknown;
}

/** FastAPI's request validation body. */
export class FastApiValidationErrorDto {
  @ApiProperty({ type: [FastApiValidationDetailDto] }) detail!: FastApiValidationDetailDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  401: 'Admin key missing',
  403: 'Admin key wrong, or not this machine',
  404: 'No such image (or it was deleted)',
  409: 'The subject is full of featured images',
  413: 'The body is larger than allowed',
  422: 'The request is invalid (FastAPI’s `detail` list says which field and why), or the provider refused the prompt (`detail.message` says why)',
  429: 'Too many requests, or the Gemini quota is used up; Retry-After says when to try again',
  502: 'The provider answered without a usable image',
  503: 'The provider is unavailable; see Retry-After',
  504: 'The provider did not answer in time',
};

/** Documents a v1 route's error answers in the old backend's shapes. */
export function SeedApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(SeedErrorDto, FastApiValidationErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        schema:
          status === 422
            ? { oneOf: [{ $ref: getSchemaPath(FastApiValidationErrorDto) }, { $ref: getSchemaPath(SeedErrorDto) }] }
            : { $ref: getSchemaPath(SeedErrorDto) },
      }),
    ),
  );
}
