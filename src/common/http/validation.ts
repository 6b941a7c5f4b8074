import { applyDecorators, BadRequestException, Param, ParseUUIDPipe, ValidationPipe } from '@nestjs/common';
import { ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Whitelisting rejects unknown fields with a message naming them; transform applies DTO defaults. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
  });
}

/** A uuid path parameter; anything else is a 400 that says so. */
export function UuidParam(name: string): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(`${name} must be a UUID`) }),
  );
}

/** Trims strings and leaves other types alone, so type validators still see them. */
export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Query strings are text: "true"/"false" become booleans, anything else fails @IsBoolean. */
export const QueryBoolean = () =>
  Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

/** An optional, trimmed, non-empty string of at most `maxLength` characters, documented. */
export function OptionalText(maxLength: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ ...doc, maxLength } as ApiPropertyOptions),
    IsOptional(),
    Trim(),
    IsString(),
    MinLength(1),
    MaxLength(maxLength),
  );
}
