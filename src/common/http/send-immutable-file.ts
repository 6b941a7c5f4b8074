import fresh from 'fresh';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bytes that never change under their URL may be kept by any cache for a year, unasked. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface ImmutableFile {
  data: Buffer;
  /** Strong ETag, quoted. */
  etag: string;
  contentType: string;
}

/**
 * Sends bytes that never change under their URL: strong ETag, year-long immutable caching,
 * nosniff, and 304 when the client already has them. Plain node:http types, so the Nest
 * controller and the pre-Express fast path send exactly the same answer.
 */
export function sendImmutableFile(request: IncomingMessage, response: ServerResponse, file: ImmutableFile): void {
  response.setHeader('ETag', file.etag);
  response.setHeader('Cache-Control', IMMUTABLE_CACHE_CONTROL);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // `fresh` is Express's own conditional-GET check (If-None-Match, weak comparison, and a
  // client's `Cache-Control: no-cache` asking for the bytes anyway).
  if (fresh(request.headers, { etag: file.etag })) {
    response.statusCode = 304;
    response.end();
    return;
  }
  response.statusCode = 200;
  response.setHeader('Content-Type', file.contentType);
  response.setHeader('Content-Length', file.data.length);
  response.end(request.method === 'HEAD' ? undefined : file.data);
}
