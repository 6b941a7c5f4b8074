import { BadRequestException, Param, ParseUUIDPipe, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';

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
