import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendImmutableFile } from '../common/http/send-immutable-file.js';
import type { ImageFile } from './image-file.js';

/**
 * Sends a stored image file: immutable under its URL, its strong ETag the image's content
 * hash (suffixed for the thumbnail, whose bytes differ). The Nest route and the fast path
 * both answer through here.
 */
export function sendImageFile(request: IncomingMessage, response: ServerResponse, file: ImageFile): void {
  const tag = file.variant === 'full' ? file.contentHash : `${file.contentHash}-${file.variant}`;
  sendImmutableFile(request, response, { data: file.bytes, etag: `"${tag}"`, contentType: file.mimeType });
}
