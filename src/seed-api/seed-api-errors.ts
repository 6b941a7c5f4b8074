import { HttpException, HttpStatus, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ContentRefusedError, DomainError, NotFoundError, QuotaExceededError } from '../common/errors.js';
import { SEED_API_BASE } from '../common/http/api-versions.js';
import { ErrorDialects, type ErrorDialect } from '../common/http/error-dialects.js';
import { describeHttpError, setRetryAfter, statusOf } from '../common/http/error-response.filter.js';
import { RequestValidationError } from '../common/http/validation.js';
import { fastApiValidationDetails } from './fastapi-validation.js';

/** The old backend's error body: `{"detail": {status, code, message, detail?}}`. */
export interface SeedErrorBody {
  detail: { status: 'error'; code: number; message: string; detail?: string };
}

/**
 * Errors on /api/v1 in the old backend's words: its `{"detail": {...}}` body, FastAPI's 422
 * for invalid requests (and bodies that are not JSON), and its "Endpoint not found" 404 for
 * paths it never had. Inside, the statuses are the right ones, not the old blanket 500: a
 * safety refusal is 422 with Gemini's reason, a used-up quota is 429 with Retry-After (the
 * old game stops asking on 429), an unavailable provider 503.
 */
@Injectable()
export class SeedApiErrors implements ErrorDialect, OnModuleInit {
  private readonly logger = new Logger('SeedApi');

  constructor(private readonly dialects: ErrorDialects) {}

  onModuleInit(): void {
    this.dialects.register(SEED_API_BASE, this);
  }

  send(error: unknown, request: Request, response: Response): void {
    if (error instanceof RequestValidationError) {
      response.status(HttpStatus.UNPROCESSABLE_ENTITY).json({ detail: fastApiValidationDetails(error.failures, error.part) });
      return;
    }
    if (error instanceof HttpException) return this.sendHttpException(error, request, response);
    if (error instanceof DomainError) {
      setRetryAfter(response, error);
      const status = error instanceof QuotaExceededError ? HttpStatus.TOO_MANY_REQUESTS : statusOf(error);
      const body = seedErrorBody(status, error.message, error instanceof ContentRefusedError ? error.reason : undefined);
      // The old backend's 404s went through its catch-all handler: keep its top-level fields too.
      response.status(status).json(error instanceof NotFoundError ? { ...notFoundBody(request, error.message), ...body } : body);
      return;
    }
    this.logger.error(`${request.method} ${request.originalUrl} failed`, error instanceof Error ? error.stack : String(error));
    response.status(HttpStatus.INTERNAL_SERVER_ERROR).json(seedErrorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'));
  }

  private sendHttpException(error: HttpException, request: Request, response: Response): void {
    const status = error.getStatus();
    const cause = error.cause as { type?: string } | undefined;
    if (status === HttpStatus.BAD_REQUEST && cause?.type === 'entity.parse.failed') {
      response.status(HttpStatus.UNPROCESSABLE_ENTITY).json({ detail: [{ type: 'json_invalid', loc: ['body'], msg: `JSON decode error: ${error.message}` }] });
      return;
    }
    // Nest's router: no route here. The old backend answered any unknown path like this.
    if (status === HttpStatus.NOT_FOUND) {
      response.status(status).json(notFoundBody(request, 'Endpoint not found'));
      return;
    }
    response.status(status).json(seedErrorBody(status, httpMessage(error)));
  }
}

export function seedErrorBody(code: number, message: string, detail?: string): SeedErrorBody {
  return { detail: { status: 'error', code, message, ...(detail === undefined ? {} : { detail }) } };
}

function notFoundBody(request: Request, message: string) {
  return { status: 'error', code: HttpStatus.NOT_FOUND, message, path: request.originalUrl.split('?')[0] };
}

function httpMessage(error: HttpException): string {
  const body = error.getResponse();
  if (typeof body === 'string') return describeHttpError(error, body);
  const message = (body as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? error.message);
}
