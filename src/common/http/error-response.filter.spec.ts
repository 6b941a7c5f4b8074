import { type ArgumentsHost, HttpException, HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ConflictError,
  ContentRefusedError,
  InvalidImageError,
  InvalidRequestError,
  NotFoundError,
  NotSupportedHereError,
  QuotaExceededError,
  StorageUnavailableError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors.js';
import { type ErrorDialect, ErrorDialects } from './error-dialects.js';
import { ErrorResponseFilter } from './error-response.filter.js';

/** What the filter answered: a response double that records status, headers and body. */
function answer(error: unknown, path = '/api/v2/images/generate', dialects = new ErrorDialects()) {
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown };
  const response = {
    status(code: number) {
      sent.status = code;
      return this;
    },
    setHeader(name: string, value: string) {
      sent.headers[name] = value;
    },
    json(body: unknown) {
      sent.body = body;
    },
  } as unknown as Response;
  const request = { originalUrl: path, url: path } as Request;
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
  new ErrorResponseFilter(dialects).catch(error, host);
  return sent;
}

describe('ErrorResponseFilter', () => {
  it.each([
    [new InvalidRequestError('too many characters'), 400],
    [new NotFoundError('Image x was not found'), 404],
    [new ConflictError('the item is full'), 409],
    [new InvalidImageError('not an image'), 422],
    [new UpstreamBadResponseError('no image'), 502],
    [new UpstreamUnavailableError('overloaded', 30), 503],
    [new QuotaExceededError('quota', 42), 503],
    [new UpstreamTimeoutError('slow'), 504],
    [new StorageUnavailableError('BACKUP_DIR is read-only'), 507],
    [new NotSupportedHereError('no pg_dump'), 501],
  ])('maps %p to %i in Nest’s shape, with its message', (error, status) => {
    const sent = answer(error);
    expect(sent.status).toBe(status);
    expect(sent.body).toEqual({ statusCode: status, error: expect.any(String), message: error.message });
  });

  it('says when to come back for an unavailable upstream: its hint, else a minute', () => {
    expect(answer(new QuotaExceededError('quota', 42)).headers).toEqual({ 'Retry-After': '42' });
    expect(answer(new UpstreamUnavailableError('down')).headers).toEqual({ 'Retry-After': '60' });
    expect(answer(new NotFoundError('gone')).headers).toEqual({});
  });

  it('adds a refusal’s reason beside its message', () => {
    expect(answer(new ContentRefusedError('Gemini refused', 'IMAGE_SAFETY')).body).toMatchObject({ statusCode: 422, reason: 'IMAGE_SAFETY' });
  });

  it('gives a bare-string HttpException (body-parser’s) the error name and the limit a user needs', () => {
    // As Nest's Express adapter wraps body-parser's http-errors.
    const tooLarge = new HttpException('request entity too large', 413, { cause: { type: 'entity.too.large', limit: 1048576, length: 2000000 } });
    expect(answer(tooLarge).body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is 2000000 bytes; the limit for this route is 1048576 bytes',
    });
    expect(answer(new HttpException({ statusCode: 429, message: 'slow down' }, HttpStatus.TOO_MANY_REQUESTS)).body).toEqual({ statusCode: 429, message: 'slow down' });
  });

  it('hands a path with a dialect of its own to that dialect, and only that path', () => {
    const spoken: string[] = [];
    const dialects = new ErrorDialects();
    const oldContract: ErrorDialect = {
      send: (_error, request, response) => {
        spoken.push(request.originalUrl);
        response.status(418).json({ detail: 'old' });
      },
    };
    dialects.register('/api/v1', oldContract);
    expect(answer(new NotFoundError('x'), '/api/v1/images/7', dialects)).toMatchObject({ status: 418, body: { detail: 'old' } });
    expect(answer(new NotFoundError('x'), '/api/v10/images', dialects).status).toBe(404);
    expect(spoken).toEqual(['/api/v1/images/7']);
  });
});
