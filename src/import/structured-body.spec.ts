import { readStructuredBody } from './structured-body.js';

const PNG_B64 = 'iVBORw0KGgo=';
const PNG = `data:image/png;base64,${PNG_B64}`;
/** The PNG signature and 8 more bytes, as bare base64. */
const BARE_PNG = 'iVBORw0KGgoAAAAAAAAAAA==';

describe('readStructuredBody', () => {
  it('keeps each entry’s fields, its picture (a data URL or bare base64) checked into base64, createdAt as ISO 8601, and drops null fields', () => {
    const body = {
      images: [
        { dataUrl: PNG, prompt: 'a gnome', itemId: 'char-9', itemType: 'character', style: 'ink', featured: true, createdAt: 1700000000000 },
        { dataUrl: BARE_PNG, prompt: null, createdAt: null },
      ],
      scenes: [{ dataUrl: PNG, description: 'a cosy tavern', style: 'ink', createdAt: '2024-05-06T09:08:09+02:00' }],
    };
    expect(readStructuredBody(body)).toStrictEqual({
      images: [
        { ref: 'images[0]', base64: PNG_B64, prompt: 'a gnome', itemId: 'char-9', itemType: 'character', style: 'ink', featured: true, createdAt: '2023-11-14T22:13:20.000Z' },
        { ref: 'images[1]', base64: BARE_PNG },
      ],
      scenes: [{ ref: 'scenes[0]', base64: PNG_B64, description: 'a cosy tavern', style: 'ink', createdAt: '2024-05-06T07:08:09.000Z' }],
      failed: [],
    });
  });

  it('fails a malformed entry alone, saying why', () => {
    const body = {
      images: [{ prompt: 'no picture' }, { dataUrl: PNG, colour: 'red' }, 'x', { dataUrl: PNG, featured: 'yes' }, { dataUrl: PNG, createdAt: 'soon' }, { dataUrl: 'data:image/svg+xml,<svg/>' }],
      scenes: [{ dataUrl: PNG }, { dataUrl: PNG, description: 'a keep' }],
    };
    const result = readStructuredBody(body);
    expect(result.failed).toStrictEqual([
      { ref: 'images[0]', reason: 'dataUrl is missing' },
      { ref: 'images[1]', reason: 'unknown field colour; known fields are dataUrl, prompt, itemId, itemType, style, featured, createdAt' },
      { ref: 'images[2]', reason: 'an entry must be an object' },
      { ref: 'images[3]', reason: 'featured must be a boolean' },
      { ref: 'images[4]', reason: 'createdAt is not a date' },
      { ref: 'images[5]', reason: 'SVG images are not imported: they can carry scripts' },
      { ref: 'scenes[0]', reason: 'description is missing' },
    ]);
    expect(result.scenes).toStrictEqual([{ ref: 'scenes[1]', base64: PNG_B64, description: 'a keep' }]);
  });
});
