import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, ValidateBy } from 'class-validator';

/**
 * The structured import form's entries: what the OpenAPI document shows is what each entry is
 * checked against (one entry at a time, so a bad one fails alone). Messages name the field
 * and what is wrong, for the import report.
 */
// Checks run in the order they are registered, and stop at the first failure: "missing" first.
const Required = (): PropertyDecorator => (target, key) => {
  IsNotEmpty({ message: '$property is missing' })(target, key);
  IsString({ message: '$property must be a string' })(target, key);
};
const OptionalString = (): PropertyDecorator => (target, key) => {
  IsString({ message: '$property must be a string' })(target, key);
  IsOptional()(target, key);
};

/** ISO-8601 text or epoch milliseconds. */
export function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const DateLike = (): PropertyDecorator => (target, key) => {
  ValidateBy({ name: 'isDateLike', validator: { validate: (value) => dateOf(value) !== undefined, defaultMessage: () => `${String(key)} is not a date` } })(target, key);
  IsOptional()(target, key);
};

const DATA_URL = { example: 'data:image/png;base64,iVBORw0KGgo…', description: 'A data URL or bare base64' } as const;
const CREATED_AT: ApiPropertyOptions = { description: 'ISO-8601 or epoch milliseconds', oneOf: [{ type: 'string' }, { type: 'number' }] };

export class ImportImageEntryDto {
  @ApiProperty(DATA_URL) @Required() dataUrl!: string;
  @ApiPropertyOptional() @OptionalString() prompt?: string;
  @ApiPropertyOptional() @OptionalString() itemId?: string;
  @ApiPropertyOptional() @OptionalString() itemType?: string;
  @ApiPropertyOptional() @OptionalString() style?: string;
  @ApiPropertyOptional() @IsBoolean({ message: '$property must be a boolean' }) @IsOptional() featured?: boolean;
  @ApiPropertyOptional(CREATED_AT) @DateLike() createdAt?: string | number;
}

export class ImportSceneEntryDto {
  @ApiProperty(DATA_URL) @Required() dataUrl!: string;
  @ApiProperty() @Required() description!: string;
  @ApiPropertyOptional() @OptionalString() style?: string;
  @ApiPropertyOptional(CREATED_AT) @DateLike() createdAt?: string | number;
}
