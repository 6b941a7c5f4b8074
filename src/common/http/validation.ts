import {
  type ArgumentMetadata,
  applyDecorators,
  BadRequestException,
  Injectable,
  Param,
  ParseUUIDPipe,
  type PipeTransform,
  ValidationPipe,
} from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { buildMessage, IsOptional, IsString, Length, MaxLength, MinLength, ValidateBy, type ValidationError } from 'class-validator';
import { CONTROL_CHARACTER } from '../text.js';

export type RequestPart = 'body' | 'query' | 'path';

/**
 * A request failed validation. It carries the failures and the part of the request they are
 * in, so each API version words them its own way; as thrown, it is Nest's 400 with one
 * message per problem.
 */
export class RequestValidationError extends BadRequestException {
  part: RequestPart = 'body';

  constructor(
    readonly failures: ValidationError[],
    messages: string[],
  ) {
    super(messages);
  }
}

const ACCEPTS_UNKNOWN_FIELDS = Symbol('acceptsUnknownFields');

/**
 * Marks a DTO whose clients send fields it does not declare: they are dropped rather than
 * refused, as FastAPI does (the old backend's clients, on /api/v1, send extra fields).
 */
export function AcceptsUnknownFields(): ClassDecorator {
  return (target) => Reflect.defineMetadata(ACCEPTS_UNKNOWN_FIELDS, true, target);
}

class DtoValidationPipe extends ValidationPipe {
  constructor(rejectUnknownFields: boolean) {
    // Transform applies DTO defaults; whitelisting drops (or refuses, naming them) unknown fields.
    super({ whitelist: true, forbidNonWhitelisted: rejectUnknownFields, transform: true, stopAtFirstError: false });
  }

  override createExceptionFactory() {
    // One message per problem: a value failing several checks of one rule (not an integer,
    // so not ≥ 1 either) would otherwise say the same sentence once per check.
    return (failures: ValidationError[] = []) => new RequestValidationError(failures, [...new Set(this.flattenValidationErrors(failures))]);
  }
}

/** The global pipe: validates every DTO, strictly unless it @AcceptsUnknownFields. */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  private readonly strict = new DtoValidationPipe(true);
  private readonly lenient = new DtoValidationPipe(false);

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const lenient = metadata.metatype !== undefined && Reflect.getMetadata(ACCEPTS_UNKNOWN_FIELDS, metadata.metatype) === true;
    try {
      return await (lenient ? this.lenient : this.strict).transform(value, metadata);
    } catch (error) {
      if (error instanceof RequestValidationError) error.part = metadata.type === 'param' ? 'path' : metadata.type === 'query' ? 'query' : 'body';
      throw error;
    }
  }
}

/**
 * A uuid path parameter, in lower case (as ids are stored and files named), so `3F0C…` and
 * `3f0c…` are the same image everywhere; anything else is a 400 that says so.
 */
export function UuidParam(name: string): ParameterDecorator {
  return Param(name, new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(`${name} must be a UUID`) }), LOWER_CASE);
}

const LOWER_CASE: PipeTransform<string, string> = { transform: (value) => value.toLowerCase() };

/** Text without control characters (see CONTROL_CHARACTER). */
export const NoControlCharacters = () =>
  ValidateBy({
    name: 'noControlCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTER.test(value),
      defaultMessage: buildMessage((prefix) => `${prefix}$property must not contain control characters`),
    },
  });

/** Trims strings and leaves other types alone, so type validators still see them. */
export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Query strings are text: "true"/"false" become booleans, anything else fails @IsBoolean. */
export const QueryBoolean = () =>
  Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

/** A required, trimmed string of `min` to `max` characters without control characters, documented. */
export function RequiredText(min: number, max: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(ApiProperty({ ...doc, minLength: min, maxLength: max } as ApiPropertyOptions), Trim(), IsString(), NoControlCharacters(), Length(min, max));
}

/** An optional, trimmed, non-empty string of at most `maxLength` characters, documented. */
export function OptionalText(maxLength: number, doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ ...doc, maxLength } as ApiPropertyOptions),
    IsOptional(),
    Trim(),
    IsString(),
    NoControlCharacters(),
    MinLength(1),
    MaxLength(maxLength),
  );
}
