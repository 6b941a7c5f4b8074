/**
 * Pictures as a browser's LocalStorage holds them: a data URL (`data:image/png;base64,…`) or
 * bare base64 (the game's image library kept the generator's answer as it came).
 *
 * Checking and decoding are apart: a dump is checked when it is read (cheap: the characters,
 * and for bare base64 its first bytes), and each picture is decoded once, when it is imported.
 * What a picture is, is told by its bytes, never by a label: bare base64 counts as a picture
 * when its first bytes are a PNG, JPEG, WebP or GIF signature, and every picture's bytes are
 * judged again by the import's decoder whatever its data URL claims.
 */
import { sniffRasterFormat } from '../storage/image-processor.js';

/** A picture's base64 (whitespace removed), checked but not decoded. */
export interface EncodedPicture {
  base64: string;
}

/** Why a value is not a picture that can be imported, in words a person can act on. */
export interface PictureError {
  error: string;
}

export type PictureCheck = EncodedPicture | PictureError;

const SUPPORTED_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/webp', 'image/gif']);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;
const WHITESPACE = /\s+/g;
const HAS_WHITESPACE = /\s/;
/** Enough characters to decode every signature sniffRasterFormat reads (12 bytes). */
const SIGNATURE_CHARS = 16;
const MARKUP = /^\s*<(\?xml|svg|!doctype svg)/i;
const SVG_REFUSED = 'SVG images are not imported: they can carry scripts';

/** A string that claims to be an image data URL (valid or not): starts with `data:image/`, any case. */
export function looksLikeImageDataUrl(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 11 && value.slice(0, 11).toLowerCase() === 'data:image/';
}

/** Bare base64 whose first bytes are a PNG, JPEG, WebP or GIF signature (the rest is checked by checkPicture). */
export function looksLikeBase64Picture(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < SIGNATURE_CHARS) return false;
  const head = value.slice(0, SIGNATURE_CHARS);
  return BASE64_CHARS.test(head) && sniffRasterFormat(Buffer.from(head, 'base64')) !== undefined;
}

/** A value found among other data that is a picture (valid or not) rather than text. */
export function looksLikePicture(value: unknown): value is string {
  return looksLikeImageDataUrl(value) || looksLikeBase64Picture(value);
}

/**
 * Checks a value that should hold a picture (a data URL or bare base64) and answers its base64,
 * or why it cannot be imported: missing, empty, not base64, truncated, an SVG, not an image.
 */
export function checkPicture(value: unknown): PictureCheck {
  if (value === undefined || value === null) return { error: 'the picture is missing' };
  if (typeof value !== 'string') return { error: `the picture should be a data URL or base64 text, not a ${Array.isArray(value) ? 'list' : typeof value}` };
  if (value.trim() === '') return { error: 'the picture is empty' };
  if (value.trimStart().slice(0, 5).toLowerCase() === 'data:') return checkDataUrl(value.trimStart());
  return checkBase64Picture(value);
}

/** The picture's bytes: the one place a checked picture is decoded. */
export function decodePicture(picture: EncodedPicture): Buffer {
  return Buffer.from(picture.base64, 'base64');
}

/**
 * Accepts `data:image/(png|jpeg|jpg|webp|gif)(;param)*;base64,<payload>` (scheme, type and the
 * `base64` marker case-insensitive; whitespace in the payload ignored). The type only has to be
 * one we read: the bytes decide what the picture is.
 */
function checkDataUrl(value: string): PictureCheck {
  const comma = value.indexOf(',');
  if (comma < 0) {
    return { error: 'the value is not a data URL: it has no comma before its data' };
  }

  // Header: `data:<type>[;param…]`. Parameters never contain a comma, so the first comma ends it.
  const [rawType, ...params] = value.slice(5, comma).split(';');
  const type = rawType.trim().toLowerCase();
  if (type === '') {
    return { error: 'the data URL does not say what type of image it holds' };
  }
  if (type.startsWith('image/svg')) {
    return { error: SVG_REFUSED };
  }
  if (!SUPPORTED_TYPES.has(type)) {
    const shown = type.length > 40 ? `${type.slice(0, 40)}…` : type;
    return { error: `${shown} is not supported; PNG, JPEG, WebP and GIF are` };
  }
  const last = params.length > 0 ? params[params.length - 1].trim().toLowerCase() : '';
  if (last !== 'base64') {
    return { error: 'the data URL is not base64-encoded' };
  }
  const payload = withoutWhitespace(value.slice(comma + 1));
  if (payload === '') {
    return { error: 'the data URL holds no image data' };
  }
  return checkBase64(payload);
}

/** Bare base64 is a picture only when its first bytes say so; then it must be whole. */
function checkBase64Picture(value: string): PictureCheck {
  const base64 = withoutWhitespace(value);
  if (!BASE64_CHARS.test(base64)) {
    return { error: MARKUP.test(value) ? SVG_REFUSED : 'the picture is neither a data URL nor base64 text' };
  }
  const head = Buffer.from(base64.slice(0, SIGNATURE_CHARS), 'base64');
  if (sniffRasterFormat(head) === undefined) {
    return { error: MARKUP.test(head.toString('latin1')) ? SVG_REFUSED : 'the data is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)' };
  }
  return checkBase64(base64);
}

/** Base64 (whitespace already removed) is strict: the alphabet, padding only at the end, a whole number of 4-character groups. */
function checkBase64(base64: string): PictureCheck {
  if (!BASE64.test(base64)) {
    return BASE64_CHARS.test(base64)
      ? { error: 'the image data is not valid base64: its "=" padding is misplaced' }
      : { error: 'the image data contains characters that are not valid base64' };
  }
  if (base64.length % 4 !== 0) {
    return { error: 'the image data is not valid base64: its length is wrong (is it truncated?)' };
  }
  return { base64 };
}

/** Line breaks and spaces are allowed in base64 (and ignored). */
function withoutWhitespace(text: string): string {
  return HAS_WHITESPACE.test(text) ? text.replace(WHITESPACE, '') : text;
}
