import request from 'supertest';
import type { FakeGeminiServer } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import { getBytes } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// Edits and character references through the real SDK: what reaches Gemini is checked part
// by part (the fake server decodes the parts and refuses what Gemini would refuse).
let t: TestApp;
let gemini: FakeGeminiServer;
interface Image {
  id: string;
  parentId: string | null;
  contentHash: string;
  width: number;
  urls: { full: string };
}

beforeAll(async () => {
  ({ t, gemini } = await createGeminiTestApp());
});
beforeEach(() => gemini.reset());
afterAll(async () => {
  await t.close();
  await gemini.close();
});

const post = (path: string, body: Record<string, unknown>) => request(t.server).post(`/api/v2${path}`).send(body);
const fullBytes = async (image: Image) => (await getBytes(t.server, image.urls.full)).body as Buffer;

/** A stored picture of a character, featured so it stands for the character. */
async function featuredPortrait(itemId: string): Promise<Image> {
  const image = (await post('/images/generate', { prompt: `a portrait of ${itemId}`, itemId, itemType: 'character' }).expect(201)).body as Image;
  await request(t.server).put(`/api/v2/images/${image.id}/feature`).send({ featured: true }).expect(200);
  return image;
}

describe('references', () => {
  let thorin: Image;
  let map: Image;
  beforeAll(async () => {
    thorin = await featuredPortrait('thorin');
    map = (await post('/images/generate', { prompt: 'a map of the lonely mountain' }).expect(201)).body as Image;
  });

  it('sends the characters’ featured images, then the references, as WebP parts after the text', async () => {
    gemini.requests.length = 0;
    await post('/images/generate', { prompt: 'thorin reads the map', characters: ['thorin'], references: [map.id.toUpperCase()] }).expect(201);

    const [sent] = gemini.requests;
    const parts = sent.body.contents?.[0]?.parts ?? [];
    expect(parts.map((part) => (part.text !== undefined ? 'text' : part.inlineData?.mimeType))).toEqual(['text', 'image/webp', 'image/webp']);
    expect(parts[0].text).toContain('image 1 shows the character "thorin"; image 2 is a reference');
    expect(sent.inputs.map((input) => input.data)).toEqual([await fullBytes(thorin), await fullBytes(map)]);
  });

  it.each([
    ['more characters than the model keeps', { characters: ['a', 'b', 'c', 'd', 'e'] }, /^characters: gemini-3\.1-flash-image keeps at most 4 characters/],
    ['a character without a featured image', { characters: ['nobody'] }, /^characters: "nobody" has no featured image; feature one of its images first$/],
    ['an image that does not exist', { references: ['00000000-0000-4000-8000-000000000000'] }, /^references: no image 00000000-0000-4000-8000-000000000000$/],
    ['more than 14 references', { references: Array(15).fill('00000000-0000-4000-8000-000000000000') }, /references must have at most 14 image ids/],
    ['a reference that is not an id', { references: ['map'] }, /references must hold image ids \(UUIDs\)/],
  ])('refuses %s with a 400 saying what to fix, before calling Gemini', async (_name, fields, message) => {
    const response = await post('/images/generate', { prompt: 'a feast in the great hall', ...fields }).expect(400);
    expect(String(response.body.message)).toMatch(message);
    expect(gemini.requests).toEqual([]);
  });

  it('draws the size asked for, and stores its real dimensions', async () => {
    const response = await post('/images/generate', { prompt: 'a wide battle map', imageSize: '2K' }).expect(201);
    expect(gemini.requests[0].body.generationConfig?.imageConfig).toEqual({ aspectRatio: '1:1', imageSize: '2K' });
    expect([response.body.width, response.body.height]).toEqual([2048, 2048]);
  });

  it('keys scenes by their references’ content: other characters are another entry, a new portrait another again', async () => {
    const scene = (body: Record<string, unknown>) => post('/scenes/generate', { description: 'the company meets in the tavern', ...body }).expect(200);
    const plain = await scene({});
    const withThorin = await scene({ characters: ['thorin'] });
    expect(withThorin.headers['x-cache']).toBe('MISS');
    expect(withThorin.body.cacheKey).not.toBe(plain.body.cacheKey);
    expect(gemini.requests.map((sent) => sent.inputs.length)).toEqual([0, 1]);

    expect((await scene({ characters: ['thorin'] })).headers['x-cache']).toBe('HIT');
    expect((await scene({})).body.cacheKey).toBe(plain.body.cacheKey);
    expect(gemini.requests).toHaveLength(2);

    // Another featured portrait is another look: the scene is drawn again.
    gemini.enqueue({ kind: 'image', width: 640, height: 640 }); // other pixels than the first portrait's
    const newPortrait = (await post('/images/generate', { prompt: 'thorin, older', itemId: 'thorin' }).expect(201)).body as Image;
    await request(t.server).put(`/api/v2/images/${newPortrait.id}/feature`).send({ featured: true }).expect(200);
    await request(t.server).put(`/api/v2/images/${thorin.id}/feature`).send({ featured: false }).expect(200);
    const redrawn = await scene({ characters: ['thorin'] });
    expect(redrawn.headers['x-cache']).toBe('MISS');
    expect(redrawn.body.cacheKey).not.toBe(withThorin.body.cacheKey);
  });
});

describe('edits', () => {
  let source: Image;
  beforeAll(async () => {
    source = (await post('/images/generate', { prompt: 'a dwarf paladin', itemId: 'brom', itemType: 'character', style: 'oil', aspectRatio: '3:4' }).expect(201)).body as Image;
  });

  it('sends the stored picture with the instruction and stores the answer as a new image pointing back at it', async () => {
    gemini.requests.length = 0;
    const response = await post(`/images/${source.id}/edit`, { instruction: 'the same dwarf, wounded, in the rain' }).expect(201);

    const [sent] = gemini.requests;
    expect(sent.body.contents?.[0]?.parts?.[0]?.text).toBe('Edit the attached picture: the same dwarf, wounded, in the rain. Keep everything else about it as it is.');
    expect(sent.inputs).toEqual([{ mimeType: 'image/webp', data: await fullBytes(source) }]);
    expect(sent.body.generationConfig?.imageConfig).toMatchObject({ aspectRatio: '3:4' });
    expect(response.body).toMatchObject({ parentId: source.id, prompt: 'the same dwarf, wounded, in the rain', itemId: 'brom', style: 'oil', aspectRatio: '3:4' });
    expect((await request(t.server).get(`/api/v2/images/${source.id}`).expect(200)).body.parentId).toBeNull();

    const lineage = await request(t.server).get('/api/v2/images/search').query({ parentId: source.id }).expect(200);
    expect(lineage.body.items.map((item: Image) => item.id)).toEqual([response.body.id]);
  });

  it('shares one Gemini call between identical edits in flight', async () => {
    gemini.enqueue({ kind: 'image', delayMs: 200 });
    const [first, second] = await Promise.all([
      post(`/images/${source.id}/edit`, { instruction: 'by moonlight' }).expect(201),
      post(`/images/${source.id}/edit`, { instruction: 'by moonlight' }).expect(201),
    ]);
    expect(first.body.id).toBe(second.body.id);
    expect(gemini.requests).toHaveLength(1);
  });

  it('answers 404 for an unknown image and 400 naming what is wrong, calling nobody', async () => {
    await post('/images/00000000-0000-4000-8000-000000000000/edit', { instruction: 'anything at all' }).expect(404);
    expect((await post(`/images/${source.id}/edit`, {}).expect(400)).body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^instruction must/)]),
    );
    expect((await post(`/images/${source.id}/edit`, { instruction: 'bigger', imageSize: '8K' }).expect(400)).body.message).toEqual([
      'imageSize must be one of: 1K, 2K, 4K',
    ]);
    expect((await request(t.server).get('/api/v2/images/search').query({ parentId: 'brom' }).expect(400)).body.message).toEqual([
      'parentId must be an image id (UUID)',
    ]);
    expect(gemini.requests).toEqual([]);
  });
});

describe('v1 generate with V1_AUTO_REFERENCES', () => {
  const v1Generate = (app: TestApp) =>
    request(app.server)
      .post('/api/v1/images/generate')
      .send({ subject_type: 'character', subject_name: 'thorin', prompt: 'Thorin Oakenshield at the gates of Erebor, in armour.' })
      .expect(200);

  it('stays the old contract by default: no picture is shown to the model', async () => {
    await featuredPortrait('thorin');
    gemini.requests.length = 0;
    await v1Generate(t);
    expect(gemini.requests[0].inputs).toEqual([]);
  });

  it('shows the subject’s featured image when switched on, and draws plainly for a subject without one', async () => {
    const { t: auto, gemini: server } = await createGeminiTestApp({ V1_AUTO_REFERENCES: 'true' });
    try {
      await v1Generate(auto); // no featured image yet: drawn plainly, not refused
      expect(server.requests[0].inputs).toEqual([]);
      const portrait = (await request(auto.server).post('/api/v2/images/generate').send({ prompt: 'thorin', itemId: 'thorin' }).expect(201)).body as Image;
      await request(auto.server).put(`/api/v2/images/${portrait.id}/feature`).send({ featured: true }).expect(200);
      await v1Generate(auto);
      expect(server.requests.at(-1)?.inputs.map((input) => input.data)).toEqual([(await getBytes(auto.server, portrait.urls.full)).body]);
    } finally {
      await auto.close();
      await server.close();
    }
  });
});

describe('the local provider honours edits and references, deterministically', () => {
  let local: TestApp;
  beforeAll(async () => {
    local = await createTestApp();
  });
  afterAll(() => local.close());

  const generate = (body: Record<string, unknown>) => request(local.server).post('/api/v2/images/generate').send(body).expect(201);

  it('draws an edit over its source, the same edit the same way', async () => {
    const source = (await generate({ prompt: 'a ruined watchtower' })).body as Image;
    const edit = async () => (await request(local.server).post(`/api/v2/images/${source.id}/edit`).send({ instruction: 'add a dragon' }).expect(201)).body as Image;
    const [first, second] = [await edit(), await edit()];
    expect(first.id).not.toBe(second.id);
    expect(first.contentHash).toBe(second.contentHash);
    expect(first.contentHash).not.toBe(source.contentHash);
    expect(first).toMatchObject({ parentId: source.id, source: 'local' });
  });

  it('draws references into the picture: with them it differs from without, and repeats itself', async () => {
    const reference = (await generate({ prompt: 'a red banner' })).body as Image;
    const plain = (await generate({ prompt: 'a castle gate' })).body as Image;
    const withReference = (await generate({ prompt: 'a castle gate', references: [reference.id] })).body as Image;
    const again = (await generate({ prompt: 'a castle gate', references: [reference.id] })).body as Image;
    expect(withReference.contentHash).not.toBe(plain.contentHash);
    expect(again.contentHash).toBe(withReference.contentHash);
  });

  it('draws the larger sizes at their real dimensions', async () => {
    const image = (await generate({ prompt: 'a tiny gnome', aspectRatio: '16:9', imageSize: '2K' })).body as Image;
    expect(image.width).toBe(2688);
  });
});
