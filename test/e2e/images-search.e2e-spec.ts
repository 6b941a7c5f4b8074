import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

const API = '/api/v2/images';
let t: TestApp;
const ids: Record<string, string> = {};

/** Seeds a known gallery through the real pipeline, one minute apart. */
beforeAll(async () => {
  t = await createTestApp();
  const seeds = [
    { key: 'paladin', prompt: 'a dwarf paladin in a torch-lit crypt', style: 'oil painting', itemId: 'char-1', itemType: 'character' },
    { key: 'dragon', prompt: 'a red dragon over Waterdeep', style: 'watercolour', itemId: 'loc-1', itemType: 'location' },
    { key: 'tavern', prompt: 'a cosy tavern, the Yawning Portal', itemId: 'loc-2', itemType: 'location' },
    { key: 'paladin2', prompt: 'the paladin raises her shield', style: 'Oil Painting', itemId: 'char-1', itemType: 'character' },
    { key: 'elf', prompt: 'an elven ranger in Neverwinter Wood', itemType: 'character' },
  ];
  for (const seed of seeds) {
    const { key, ...body } = seed;
    ids[key] = (await request(t.server).post(`${API}/generate`).send(body).expect(201)).body.id;
    t.clock.advance(60_000);
  }
  await request(t.server).put(`${API}/${ids.dragon}/feature`).send({ featured: true }).expect(200);
  await request(t.server).delete(`${API}/${ids.tavern}`).expect(204);
});
afterAll(() => t.close());

async function search(query: Record<string, string | number | boolean>) {
  return (await request(t.server).get(`${API}/search`).query(query).expect(200)).body;
}
const idsOf = (body: { items: { id: string }[] }) => body.items.map((image) => image.id);

it('lists active images newest first by default, with paging fields', async () => {
  const body = await search({});
  expect(idsOf(body)).toEqual([ids.elf, ids.paladin2, ids.dragon, ids.paladin]);
  expect(body).toMatchObject({ total: 4, page: 1, pageSize: 20, totalPages: 1 });
});

it('sorts oldest first on request', async () => {
  expect(idsOf(await search({ sort: 'oldest' }))).toEqual([ids.paladin, ids.dragon, ids.paladin2, ids.elf]);
});

it('pages', async () => {
  const second = await search({ pageSize: 3, page: 2 });
  expect(idsOf(second)).toEqual([ids.paladin]);
  expect(second).toMatchObject({ total: 4, page: 2, pageSize: 3, totalPages: 2 });
  expect(idsOf(await search({ pageSize: 3, page: 3 }))).toEqual([]);
});

it('matches words in prompt or style, case-insensitively, as prefixes, all words required', async () => {
  expect(idsOf(await search({ q: 'paladin' }))).toEqual([ids.paladin2, ids.paladin]);
  expect(idsOf(await search({ q: 'OIL' }))).toEqual([ids.paladin2, ids.paladin]);
  expect(idsOf(await search({ q: 'pala crypt' }))).toEqual([ids.paladin]);
  expect(idsOf(await search({ q: 'watercolour dragon' }))).toEqual([ids.dragon]);
  expect(idsOf(await search({ q: 'tavern' }))).toEqual([]); // soft-deleted
  expect(idsOf(await search({ q: 'beholder' }))).toEqual([]);
  // FTS syntax in user input is just text.
  expect(idsOf(await search({ q: '"dragon" OR NOT *' }))).toEqual([]);
  expect(idsOf(await search({ q: '"red" dragon*' }))).toEqual([ids.dragon]);
  expect(idsOf(await search({ q: 'NEAR(dragon' }))).toEqual([]); // "near" is a required word too
});

it('filters by itemId, itemType, featured and source, combined with q', async () => {
  expect(idsOf(await search({ itemId: 'char-1' }))).toEqual([ids.paladin2, ids.paladin]);
  expect(idsOf(await search({ itemType: 'character' }))).toEqual([ids.elf, ids.paladin2, ids.paladin]);
  expect(idsOf(await search({ itemType: 'location' }))).toEqual([ids.dragon]);
  expect(idsOf(await search({ featured: true }))).toEqual([ids.dragon]);
  expect(idsOf(await search({ featured: false })).length).toBe(3);
  expect(idsOf(await search({ source: 'local' })).length).toBe(4);
  expect(idsOf(await search({ source: 'gemini' }))).toEqual([]);
  expect(idsOf(await search({ q: 'shield', itemType: 'character' }))).toEqual([ids.paladin2]);
});

it('ignores accents and takes words apart at punctuation, on either database', async () => {
  const bard = (await request(t.server).post(`${API}/generate`).send({ prompt: 'a naïve bard in the Café des Épées', style: 'ink-and-wash' }).expect(201)).body.id;
  expect(idsOf(await search({ q: 'cafe naive' }))).toEqual([bard]);
  expect(idsOf(await search({ q: 'ÉPÉE' }))).toEqual([bard]);
  expect(idsOf(await search({ q: 'wash ink' }))).toEqual([bard]);
  await request(t.server).delete(`${API}/${bard}`).expect(204);
});

it.each([
  [{ page: 0 }, 'page must be an integer from 1 to 1000000'],
  [{ page: 'two' }, 'page must be an integer from 1 to 1000000'],
  // Integers to JavaScript, but an offset no database takes: once a 500 (issue 12).
  [{ page: '1e21' }, 'page must be an integer from 1 to 1000000'],
  [{ page: '1e308' }, 'page must be an integer from 1 to 1000000'],
  [{ pageSize: 101 }, 'pageSize must be an integer from 1 to 100'],
  [{ pageSize: 0 }, 'pageSize must be an integer from 1 to 100'],
  [{ sort: 'random' }, 'sort must be one of: newest, oldest'],
  [{ source: 'dalle' }, 'source must be one of: gemini, local, import'],
  [{ featured: 'maybe' }, 'featured must be true or false'],
  [{ colour: 'red' }, 'property colour should not exist'],
])('rejects %j with 400', async (query, message) => {
  const response = await request(t.server).get(`${API}/search`).query(query).expect(400);
  expect(response.body.message).toEqual([message]);
});
