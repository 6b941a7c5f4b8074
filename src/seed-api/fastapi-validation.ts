import type { ValidationError } from 'class-validator';
import type { RequestPart } from '../common/http/validation.js';

/** One entry of FastAPI's 422 body: `{"detail": [{type, loc, msg, input}]}`. */
export interface FastApiValidationDetail {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
}

/** pydantic's error types for the class-validator checks the v1 DTOs use. */
const TYPES: Record<string, string> = {
  isString: 'string_type',
  isIn: 'literal_error',
  isInt: 'int_parsing',
  isBoolean: 'bool_parsing',
  min: 'greater_than_equal',
  max: 'less_than_equal',
  minLength: 'string_too_short',
  maxLength: 'string_too_long',
};

/**
 * class-validator's failures as FastAPI words them: one entry per field, located by request
 * part and field path, with pydantic's type names, so the old backend's clients read them as
 * before. A missing field is `missing` / "Field required", as pydantic says it.
 */
export function fastApiValidationDetails(failures: ValidationError[], part: RequestPart, path: Array<string | number> = []): FastApiValidationDetail[] {
  return failures.flatMap((failure) => {
    const loc = [part, ...path, failure.property];
    const own: FastApiValidationDetail[] = [];
    const [[constraint, message] = []] = Object.entries(failure.constraints ?? {});
    if (constraint !== undefined) {
      own.push(
        failure.value === undefined
          ? { type: 'missing', loc, msg: 'Field required' }
          : { type: TYPES[constraint] ?? 'value_error', loc, msg: message!, ...(Number.isNaN(failure.value) ? {} : { input: failure.value }) },
      );
    }
    return [...own, ...fastApiValidationDetails(failure.children ?? [], part, [...path, failure.property])];
  });
}
