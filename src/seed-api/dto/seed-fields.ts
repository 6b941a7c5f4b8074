import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { NoControlCharacters, Trim } from '../../common/http/validation.js';

const TRUE = ['true', '1', 'yes', 'on', 't', 'y'];
const FALSE = ['false', '0', 'no', 'off', 'f', 'n'];

/** A query flag as FastAPI reads one: true/false, 1/0, yes/no, on/off (any case). */
export function SeedQueryFlag(name: string, fallback?: boolean): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: Boolean, ...(fallback === undefined ? {} : { default: fallback }) }),
    IsOptional(),
    Transform(({ value }) => {
      const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
      return TRUE.includes(text) ? true : FALSE.includes(text) ? false : value;
    }),
    IsBoolean({ message: `Input should be a valid boolean (true or false) for ${name}` }),
  );
}

/** A whole number from `min` to `max`, from a query string or (`required`) a path segment. */
export function SeedInteger(
  name: string,
  range: { min: number; max: number },
  doc: { default?: number; description?: string; required?: boolean } = {},
): PropertyDecorator {
  const message = `${name} should be a whole number from ${range.min} to ${range.max}`;
  const { required, ...documented } = doc;
  return applyDecorators(
    (required ? ApiProperty : ApiPropertyOptional)({ type: Number, minimum: range.min, maximum: range.max, ...documented }),
    Type(() => Number),
    IsInt({ message: `Input should be a valid integer: ${message}` }),
    Min(range.min, { message }),
    Max(range.max, { message }),
  );
}

/** Image numbers are positive 32-bit integers (what every database's integer holds). */
export const IMAGE_NUMBER_RANGE = { min: 1, max: 2_147_483_647 };

/**
 * A text field of the old contract: a string of `min` to `max` characters without control
 * characters, trimmed unless `trim: false`, optional unless `required`.
 */
export function SeedText(name: string, length: { min?: number; max: number }, options: { required?: boolean; trim?: boolean; doc?: ApiPropertyOptions } = {}): PropertyDecorator {
  const message = length.min ? `${name} should have ${length.min} to ${length.max} characters` : `${name} should have at most ${length.max} characters`;
  const document = { minLength: length.min, maxLength: length.max, ...options.doc } as ApiPropertyOptions;
  return applyDecorators(
    options.required ? ApiProperty(document) : ApiPropertyOptional(document),
    ...(options.required ? [] : [IsOptional()]),
    ...(options.trim === false ? [] : [Trim()]),
    IsString({ message: `${name} should be a valid string` }),
    NoControlCharacters(),
    ...(length.min ? [MinLength(length.min, { message })] : []),
    MaxLength(length.max, { message }),
  );
}
