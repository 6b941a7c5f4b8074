import { checkPicture, decodePicture, looksLikeBase64Picture, looksLikeImageDataUrl, looksLikePicture } from './encoded-picture.js';

// The PNG signature: 8 bytes, 12 base64 characters with one "=".
const PNG_B64 = 'iVBORw0KGgo=';
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The first bytes of each format we read, with a few more so there is something to decode. */
const SIGNATURES = {
  png: Buffer.concat([PNG_BYTES, Buffer.from([0, 0, 0, 13, 73, 72])]),
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]),
  webp: Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WEBPVP8 ')]),
  gif: Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00', 'latin1'),
};

const decoded = (value: unknown) => {
  const checked = checkPicture(value);
  if ('error' in checked) throw new Error(checked.error);
  return decodePicture(checked);
};

describe('checkPicture with a data URL', () => {
  it.each([
    'data:image/png;base64,',
    'data:image/jpeg;base64,',
    'data:image/jpg;base64,',
    'data:image/webp;base64,',
    'data:image/gif;base64,',
    'DATA:IMAGE/JPG;BASE64,',
    'Data:Image/Png;Base64,',
    'data:image/png;name=hero.png;base64,',
    'data:image/png;charset=utf-8;base64,',
    '  data:image/png;base64,',
  ])('accepts %s… and decodes its payload', (prefix) => {
    expect(checkPicture(prefix + PNG_B64)).toEqual({ base64: PNG_B64 });
    expect(decoded(prefix + PNG_B64)).toEqual(PNG_BYTES);
  });

  it('decodes every byte, ignoring whitespace and line breaks in the payload', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const b64 = bytes.toString('base64');
    const wrapped = `${b64.slice(0, 76)}\r\n${b64.slice(76, 150)} \t${b64.slice(150)}\n`;
    expect(checkPicture(`data:image/gif;base64,${wrapped}`)).toEqual({ base64: b64 });
    expect(decoded(`data:image/gif;base64,${wrapped}`)).toEqual(bytes);
  });

  it('leaves the bytes to be judged by the import whatever the label says (a WebP labelled PNG, as the game wrote)', () => {
    expect(decoded(`data:image/png;base64,${SIGNATURES.webp.toString('base64')}`)).toEqual(SIGNATURES.webp);
  });

  it('accepts unpadded-length-4 payloads and both padding forms', () => {
    expect(decoded('data:image/png;base64,QUJD')).toEqual(Buffer.from('ABC'));
    expect(decoded('data:image/png;base64,QUI=')).toEqual(Buffer.from('AB'));
    expect(decoded('data:image/png;base64,QQ==')).toEqual(Buffer.from('A'));
  });

  it.each([
    [`data:image/png;base64${PNG_B64}`, 'the value is not a data URL: it has no comma before its data'],
    [`data:,${PNG_B64}`, 'the data URL does not say what type of image it holds'],
    [`data:;base64,${PNG_B64}`, 'the data URL does not say what type of image it holds'],
    [`data:image/svg+xml;base64,${PNG_B64}`, 'SVG images are not imported: they can carry scripts'],
    ['data:image/SVG+XML,<svg onload="alert(1)"/>', 'SVG images are not imported: they can carry scripts'],
    [`data:image/bmp;base64,${PNG_B64}`, 'image/bmp is not supported; PNG, JPEG, WebP and GIF are'],
    [`data:IMAGE/TIFF;base64,${PNG_B64}`, 'image/tiff is not supported; PNG, JPEG, WebP and GIF are'],
    [`data:text/plain;base64,${PNG_B64}`, 'text/plain is not supported; PNG, JPEG, WebP and GIF are'],
    [`data:image/${'x'.repeat(100)};base64,${PNG_B64}`, `image/${'x'.repeat(34)}… is not supported; PNG, JPEG, WebP and GIF are`],
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
  ])('refuses %j: %s', (value, error) => {
    expect(checkPicture(value)).toEqual({ error });
  });
});

describe('checkPicture with bare base64', () => {
  it.each(Object.entries(SIGNATURES))('accepts %s by its first bytes and decodes it', (_format, bytes) => {
    const base64 = bytes.toString('base64');
    expect(checkPicture(base64)).toEqual({ base64 });
    expect(decoded(`${base64.slice(0, 8)}\n${base64.slice(8)}`)).toEqual(bytes);
  });

  it.each([
    [undefined, 'the picture is missing'],
    [null, 'the picture is missing'],
    [42, 'the picture should be a data URL or base64 text, not a number'],
    [{ data: PNG_B64 }, 'the picture should be a data URL or base64 text, not a object'],
    [[PNG_B64], 'the picture should be a data URL or base64 text, not a list'],
    ['', 'the picture is empty'],
    [' \n ', 'the picture is empty'],
    ['a rusty sword', 'the data is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)'],
    ['https://example.com/sword.png', 'the picture is neither a data URL nor base64 text'],
    ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'SVG images are not imported: they can carry scripts'],
    [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64'), 'SVG images are not imported: they can carry scripts'],
    [Buffer.from('<?xml version="1.0"?><svg/>').toString('base64'), 'SVG images are not imported: they can carry scripts'],
    [Buffer.from('just some text, not a picture').toString('base64'), 'the data is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)'],
    [Buffer.from('BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00').toString('base64'), 'the data is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)'],
    ['hello', 'the data is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)'],
    [SIGNATURES.png.toString('base64').slice(0, -1), 'the image data is not valid base64: its length is wrong (is it truncated?)'],
    [`${SIGNATURES.png.toString('base64')}==`, 'the image data is not valid base64: its "=" padding is misplaced'],
  ])('refuses %j: %s', (value, error) => {
    expect(checkPicture(value)).toEqual({ error });
  });
});

describe('what looks like a picture among other values', () => {
  const png = SIGNATURES.png.toString('base64');

  it.each([
    ['data:image/png;base64,QQ==', true, false],
    ['DATA:IMAGE/anything', true, false],
    ['data:image/', true, false],
    ['data:image/svg+xml,<svg/>', true, false],
    [png, false, true],
    [SIGNATURES.jpeg.toString('base64'), false, true],
    [SIGNATURES.webp.toString('base64'), false, true],
    [SIGNATURES.gif.toString('base64'), false, true],
    [png.slice(0, 15), false, false],
    [Buffer.from('not a picture at all').toString('base64'), false, false],
    ['data:image', false, false],
    ['data:text/plain,hi', false, false],
    [' data:image/png;base64,QQ==', false, false],
    ['https://x/data:image/png', false, false],
    ['a rusty sword of the north', false, false],
    ['', false, false],
    [42, false, false],
    [null, false, false],
    [undefined, false, false],
    [{ image: 'data:image/png;base64,QQ==' }, false, false],
    [['data:image/png;base64,QQ=='], false, false],
  ])('%j: an image data URL %s, a bare base64 picture %s', (value, dataUrl, bare) => {
    expect(looksLikeImageDataUrl(value)).toBe(dataUrl);
    expect(looksLikeBase64Picture(value)).toBe(bare);
    expect(looksLikePicture(value)).toBe(dataUrl || bare);
  });
});
