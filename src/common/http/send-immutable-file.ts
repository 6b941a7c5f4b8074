import type { IncomingMessage, ServerResponse } from 'node:http';

const ONE_YEAR_SECONDS = 31_536_000;

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
  response.setHeader('Cache-Control', `public, max-age=${ONE_YEAR_SECONDS}, immutable`);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (matchesEtag(request.headers['if-none-match'], file.etag)) {
    response.statusCode = 304;
    response.end();
    return;
  }
  response.statusCode = 200;
  response.setHeader('Content-Type', file.contentType);
  response.setHeader('Content-Length', file.data.length);
  response.end(request.method === 'HEAD' ? undefined : file.data);
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored. */
function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
