import { looksLikeImageDataUrl, parseImageDataUrl } from './data-url.js';

// The PNG signature: 8 bytes, 12 base64 characters with one "=".
const PNG_B64 = 'iVBORw0KGgo=';
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('parseImageDataUrl', () => {
  it.each([
    ['data:image/png;base64,', 'image/png'],
    ['data:image/jpeg;base64,', 'image/jpeg'],
    ['data:image/jpg;base64,', 'image/jpeg'],
    ['data:image/webp;base64,', 'image/webp'],
    ['data:image/gif;base64,', 'image/gif'],
    ['DATA:IMAGE/JPG;BASE64,', 'image/jpeg'],
    ['Data:Image/Png;Base64,', 'image/png'],
    ['data:image/png;name=hero.png;base64,', 'image/png'],
    ['data:image/png;charset=utf-8;base64,', 'image/png'],
  ])('decodes %s… as %s', (prefix, mimeType) => {
    expect(parseImageDataUrl(prefix + PNG_B64)).toEqual({ mimeType, data: PNG_BYTES });
  });

  it('decodes every byte, ignoring whitespace and line breaks in the payload', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const b64 = bytes.toString('base64');
    const wrapped = `${b64.slice(0, 76)}\r\n${b64.slice(76, 150)} \t${b64.slice(150)}\n`;
    const parsed = parseImageDataUrl(`data:image/gif;base64,${wrapped}`);
    expect(parsed).toEqual({ mimeType: 'image/gif', data: bytes });
  });

  it('accepts unpadded-length-4 payloads and both padding forms', () => {
    expect(parseImageDataUrl('data:image/png;base64,QUJD')).toEqual({ mimeType: 'image/png', data: Buffer.from('ABC') });
    expect(parseImageDataUrl('data:image/png;base64,QUI=')).toEqual({ mimeType: 'image/png', data: Buffer.from('AB') });
    expect(parseImageDataUrl('data:image/png;base64,QQ==')).toEqual({ mimeType: 'image/png', data: Buffer.from('A') });
  });

  it.each([
    ['hello', 'the value is not a data URL'],
    ['', 'the value is not a data URL'],
    ['https://example.com/a.png', 'the value is not a data URL'],
    [`data:image/png;base64${PNG_B64}`, 'the value is not a data URL'],
    [`image/png;base64,${PNG_B64}`, 'the value is not a data URL'],
    [`data:,${PNG_B64}`, 'the data URL does not say what type of image it holds'],
    [`data:;base64,${PNG_B64}`, 'the data URL does not say what type of image it holds'],
    [`data:image/svg+xml;base64,${PNG_B64}`, 'SVG images are not imported: they can carry scripts'],
    ['data:image/SVG+XML,<svg onload="alert(1)"/>', 'SVG images are not imported: they can carry scripts'],
    [`data:image/bmp;base64,${PNG_B64}`, 'image/bmp is not supported; PNG, JPEG, WebP and GIF are'],
    [`data:IMAGE/TIFF;base64,${PNG_B64}`, 'image/tiff is not supported; PNG, JPEG, WebP and GIF are'],
    [`data:text/plain;base64,${PNG_B64}`, 'text/plain is not supported; PNG, JPEG, WebP and GIF are'],
    [
      `data:image/${'x'.repeat(100)};base64,${PNG_B64}`,
      `image/${'x'.repeat(34)}… is not supported; PNG, JPEG, WebP and GIF are`,
    ],
    ['data:image/png,rawtext', 'the data URL is not base64-encoded'],
    ['data:image/png;charset=utf-8,rawtext', 'the data URL is not base64-encoded'],
    [`data:image/png;base64;charset=utf-8,${PNG_B64}`, 'the data URL is not base64-encoded'],
    [`data:image/png;base64x,${PNG_B64}`, 'the data URL is not base64-encoded'],
    ['data:image/png;base64,', 'the data URL holds no image data'],
    ['data:image/png;base64, \n\t', 'the data URL holds no image data'],
    ['data:image/png;base64,iVBOR$w0KGgo=', 'the image data contains characters that are not valid base64'],
    ['data:image/png;base64,iVBO-w0K_go=', 'the image data contains characters that are not valid base64'],
    ['data:image/png;base64,iVBORw0K%3D%3D', 'the image data contains characters that are not valid base64'],
    ['data:image/png;base64,iVBORw0KGgo,', 'the image data contains characters that are not valid base64'],
    ['data:image/png;base64,iVBORw0KGg===', 'the image data is not valid base64: its "=" padding is misplaced'],
    ['data:image/png;base64,iVBO=w0KGgo=', 'the image data is not valid base64: its "=" padding is misplaced'],
    ['data:image/png;base64,====', 'the image data is not valid base64: its "=" padding is misplaced'],
    ['data:image/png;base64,iVBORw0KGgo', 'the image data is not valid base64: its length is wrong (is it truncated?)'],
    ['data:image/png;base64,iVBORw0KGg=', 'the image data is not valid base64: its length is wrong (is it truncated?)'],
    ['data:image/png;base64,Q', 'the image data is not valid base64: its length is wrong (is it truncated?)'],
    ['data:image/png;base64,==', 'the image data is not valid base64: its length is wrong (is it truncated?)'],
  ])('rejects %j: %s', (value, error) => {
    expect(parseImageDataUrl(value)).toEqual({ error });
  });
});

describe('looksLikeImageDataUrl', () => {
  it.each([
    ['data:image/png;base64,QQ==', true],
    ['DATA:IMAGE/anything', true],
    ['data:image/', true],
    ['data:image/svg+xml,<svg/>', true],
    ['data:image', false],
    ['data:text/plain,hi', false],
    [' data:image/png;base64,QQ==', false],
    ['https://x/data:image/png', false],
    ['', false],
    [42, false],
    [null, false],
    [undefined, false],
    [{ image: 'data:image/png;base64,QQ==' }, false],
    [['data:image/png;base64,QQ=='], false],
  ])('%j → %s', (value, expected) => {
    expect(looksLikeImageDataUrl(value)).toBe(expected);
  });
});
