/**
 * Parsing of `data:image/…;base64,…` URLs found in a browser's LocalStorage dump.
 *
 * Only the envelope is checked here (type, encoding, strict base64); whether the bytes really
 * are a decodable image (truncation, decompression bombs, …) is decided later by sharp.
 */

export type ImageMimeType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

export interface ParsedImageDataUrl {
  mimeType: ImageMimeType;
  data: Buffer;
}

export interface DataUrlError {
  error: string;
}

const SUPPORTED: Readonly<Record<string, ImageMimeType>> = {
  'image/png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'image/webp': 'image/webp',
  'image/gif': 'image/gif',
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;
const WHITESPACE = /\s+/g;

/** A string that claims to be an image data URL (valid or not): starts with `data:image/`, any case. */
export function looksLikeImageDataUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 11 && value.slice(0, 11).toLowerCase() === 'data:image/';
}

/**
 * Accepts `data:image/(png|jpeg|jpg|webp|gif)(;param)*;base64,<payload>` (scheme, type and the
 * `base64` marker case-insensitive; whitespace in the payload ignored) and returns the decoded
 * bytes, or an error sentence a person can act on.
 */
export function parseImageDataUrl(value: string): ParsedImageDataUrl | DataUrlError {
  const comma = value.indexOf(',');
  if (value.slice(0, 5).toLowerCase() !== 'data:' || comma < 0) {
    return { error: 'the value is not a data URL' };
  }

  // Header: `data:<type>[;param…]`. Parameters never contain a comma, so the first comma ends it.
  const [rawType, ...params] = value.slice(5, comma).split(';');
  const type = rawType.trim().toLowerCase();
  if (type === '') {
    return { error: 'the data URL does not say what type of image it holds' };
  }
  if (type.startsWith('image/svg')) {
    return { error: 'SVG images are not imported: they can carry scripts' };
  }
  const mimeType = SUPPORTED[type];
  if (mimeType === undefined) {
    const shown = type.length > 40 ? `${type.slice(0, 40)}…` : type;
    return { error: `${shown} is not supported; PNG, JPEG, WebP and GIF are` };
  }
  const last = params.length > 0 ? params[params.length - 1].trim().toLowerCase() : '';
  if (last !== 'base64') {
    return { error: 'the data URL is not base64-encoded' };
  }

  const payload = value.slice(comma + 1).replace(WHITESPACE, '');
  if (payload === '') {
    return { error: 'the data URL holds no image data' };
  }
  if (!BASE64.test(payload)) {
    return BASE64_CHARS.test(payload)
      ? { error: 'the image data is not valid base64: its "=" padding is misplaced' }
      : { error: 'the image data contains characters that are not valid base64' };
  }
  if (payload.length % 4 !== 0) {
    return { error: 'the image data is not valid base64: its length is wrong (is it truncated?)' };
  }
  return { mimeType, data: Buffer.from(payload, 'base64') };
}
