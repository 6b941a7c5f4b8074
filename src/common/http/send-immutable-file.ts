import type { Request, Response } from 'express';

const ONE_YEAR_SECONDS = 31_536_000;

/**
 * Sends bytes that never change under their URL: strong ETag, year-long immutable caching,
 * and 304 when the client already has them (RFC 9110 weak comparison for If-None-Match).
 */
export function sendImmutableFile(request: Request, response: Response, file: { data: Buffer; etag: string }, contentType: string): void {
  response.setHeader('ETag', file.etag);
  response.setHeader('Cache-Control', `public, max-age=${ONE_YEAR_SECONDS}, immutable`);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  if (matchesEtag(request.headers['if-none-match'], file.etag)) {
    response.status(304).end();
    return;
  }
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', file.data.length);
  response.status(200).end(file.data);
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
