import type { IncomingMessage, ServerResponse } from 'node:http';
import fresh from 'fresh';
import { sendImmutableFile } from '../common/http/send-immutable-file.js';
import type { ImageFile, ImageFileLink } from './image-file.js';

/**
 * Sends a stored image file: immutable under its URL, its strong ETag the image's content
 * hash (suffixed for the thumbnail, whose bytes differ). The Nest route and the fast path
 * both answer through here.
 */
export function sendImageFile(request: IncomingMessage, response: ServerResponse, file: ImageFile): void {
  sendImmutableFile(request, response, { data: file.bytes, etag: etagOf(file), contentType: file.mimeType });
}

/**
 * Sends a 302 to where the file can be fetched directly (S3_SERVE=redirect). A client that has
 * the file (its ETag current) still gets 304 here, without a trip to the bucket; the redirect
 * itself may be reused only while its URL is well within its life.
 */
export function sendImageFileLink(request: IncomingMessage, response: ServerResponse, link: ImageFileLink): void {
  const etag = etagOf(link);
  response.setHeader('ETag', etag);
  if (fresh(request.headers, { etag })) {
    response.statusCode = 304;
    response.end();
    return;
  }
  response.statusCode = 302;
  response.setHeader('Location', link.url);
  response.setHeader('Cache-Control', `private, max-age=${Math.floor(link.validSeconds / 3)}`);
  response.end();
}

/** Strong, the image's content hash (suffixed for the thumbnail, whose bytes differ). */
function etagOf(file: { variant: ImageFile['variant']; contentHash: string }): string {
  return `"${file.variant === 'full' ? file.contentHash : `${file.contentHash}-${file.variant}`}"`;
}
