import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import {
  ConflictError,
  ContentRefusedError,
  DomainError,
  InvalidImageError,
  NotFoundError,
  NotSupportedHereError,
  StorageUnavailableError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.js';

const STATUS_BY_ERROR: ReadonlyArray<[abstract new (...args: never[]) => DomainError, HttpStatus]> = [
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [InvalidImageError, HttpStatus.UNPROCESSABLE_ENTITY],
  [ContentRefusedError, HttpStatus.UNPROCESSABLE_ENTITY],
  [UpstreamBadResponseError, HttpStatus.BAD_GATEWAY],
  [UpstreamUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
  [UpstreamTimeoutError, HttpStatus.GATEWAY_TIMEOUT],
  [StorageUnavailableError, HttpStatus.INSUFFICIENT_STORAGE],
  [NotSupportedHereError, HttpStatus.NOT_IMPLEMENTED],
];

/** When the provider gives no hint, a minute is a polite first wait. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * Every error answer in Nest's shape `{ statusCode, error, message }`, from one place:
 * domain errors are mapped to their status here, and HttpExceptions created with a bare
 * string (body-parser's 413 and 400s) get the `error` field they would otherwise lack.
 * Anything else falls through to Nest's built-in filter: a logged, generic 500.
 */
@Catch(DomainError, HttpException)
export class ErrorResponseFilter implements ExceptionFilter<DomainError | HttpException> {
  catch(error: DomainError | HttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      response.status(status).json(typeof body === 'string' ? errorBody(status, describeHttpError(error, body)) : body);
      return;
    }

    const status = statusOf(error);
    if (error instanceof UpstreamUnavailableError) {
      const seconds = error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(seconds))));
    }
    const body = errorBody(status, error.message);
    response.status(status).json(error instanceof ContentRefusedError ? { ...body, reason: error.reason } : body);
  }
}

export function statusOf(error: DomainError): HttpStatus {
  return STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1] ?? HttpStatus.INTERNAL_SERVER_ERROR;
}

function errorBody(status: number, message: string) {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

/** body-parser's errors carry the numbers a user needs; its own words do not. */
function describeHttpError(error: HttpException, message: string): string {
  const cause = error.cause as { type?: string; limit?: number; length?: number } | undefined;
  if (error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE && cause?.limit) {
    return `Request body is ${cause.length ?? 'over'} bytes; the limit for this route is ${cause.limit} bytes`;
  }
  return message;
}
