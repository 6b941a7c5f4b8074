import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

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
