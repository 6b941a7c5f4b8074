import { type ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import {
  ConflictError,
  ContentRefusedError,
  DomainError,
  IdempotencyKeyReusedError,
  InvalidImageError,
  InvalidRequestError,
  NotFoundError,
  NotSupportedHereError,
  StillRunningError,
  StorageUnavailableError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.js';
import { ErrorDialects } from './error-dialects.js';
import type { RefusedErrorResponseDto } from './error-response.dto.js';

const STATUS_BY_ERROR: ReadonlyArray<[abstract new (...args: never[]) => DomainError, HttpStatus]> = [
  [InvalidRequestError, HttpStatus.BAD_REQUEST],
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [InvalidImageError, HttpStatus.UNPROCESSABLE_ENTITY],
  [IdempotencyKeyReusedError, HttpStatus.UNPROCESSABLE_ENTITY],
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
 * Every error answer, from one place. A path with a dialect of its own (/api/v1, the old
 * backend's contract) is answered in it. Everything else is in Nest's shape
 * `{ statusCode, error, message }`: domain errors are mapped to their status here, and
 * HttpExceptions created with a bare string (body-parser's 413 and 400s) get the `error`
 * field they would otherwise lack. Anything else falls through to Nest's built-in handling:
 * a logged, generic 500.
 */
@Catch()
export class ErrorResponseFilter extends BaseExceptionFilter {
  constructor(private readonly dialects: ErrorDialects) {
    super();
  }

  override catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const dialect = this.dialects.for(request.originalUrl ?? request.url);
    if (dialect) return dialect.send(error, request, response);
    if (!(error instanceof HttpException || error instanceof DomainError)) return super.catch(error, host);
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      response.status(status).json(typeof body === 'string' ? errorBody(status, describeHttpError(error, body)) : body);
      return;
    }

    const { status, body } = domainErrorAnswer(error);
    setRetryAfter(response, error);
    response.status(status).json(body);
  }
}

/** A domain error's answer: its status and body (the filter sends them; a failed job shows them). */
export function domainErrorAnswer(error: DomainError): { status: HttpStatus; body: RefusedErrorResponseDto } {
  const status = statusOf(error);
  const body = errorBody(status, error.message);
  return { status, body: error instanceof ContentRefusedError ? { ...body, reason: error.reason } : body };
}

export function statusOf(error: DomainError): HttpStatus {
  return STATUS_BY_ERROR.find(([type]) => error instanceof type)?.[1] ?? HttpStatus.INTERNAL_SERVER_ERROR;
}

/** An upstream that is unavailable, or work still running, says when to come back (a minute when no hint). */
export function setRetryAfter(response: Response, error: DomainError): void {
  const seconds = retryAfterOf(error);
  if (seconds !== undefined) response.setHeader('Retry-After', String(seconds));
}

/** The seconds a Retry-After says for this error; undefined when it sends none. */
export function retryAfterOf(error: DomainError): number | undefined {
  if (!(error instanceof UpstreamUnavailableError || error instanceof StillRunningError)) return undefined;
  return Math.max(1, Math.ceil(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
}

function errorBody(status: number, message: string) {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
}

/** body-parser's errors carry the numbers a user needs; its own words do not. */
export function describeHttpError(error: HttpException, message: string): string {
  const cause = error.cause as { type?: string; limit?: number; length?: number } | undefined;
  if (error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE && cause?.limit) {
    return `Request body is ${cause.length ?? 'over'} bytes; the limit for this route is ${cause.limit} bytes`;
  }
  return message;
}
