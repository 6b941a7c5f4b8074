import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

// `q` on PostgreSQL is answered by the GIN index idx_images_search (the
// CreateImages migration). The planner only prefers an index over a table of some size, so
// this suite fills the table with filler rows first. Results are checked against SQLite's by
// test/e2e/images-search.e2e-spec.ts, which runs on both drivers.
let t: TestApp;
const FILLER_ROWS = 5000;

beforeAll(async () => {
  t = await createTestApp({ database: 'postgres' });
  await t.dataSource.query(
    `INSERT INTO images (id, prompt, style, featured, source, width, height, size_bytes, thumbnail_width, thumbnail_height,
                         thumbnail_size_bytes, content_hash, created_at)
     SELECT gen_random_uuid()::text, 'a filler picture of a meadow number ' || n, 'sketch', false, 'local', 1, 1, 1, 1, 1, 1,
            repeat('0', 64), now() - n * interval '1 minute'
     FROM generate_series(1, $1::int) AS n`,
    [FILLER_ROWS],
  );
  await settle();
});
afterAll(() => t.close());

/**
 * What autovacuum does on a live server: statistics for the planner, and GIN's pending list
 * (where fresh rows wait, costly to search) merged into the index proper.
 */
const settle = () => t.dataSource.query('VACUUM ANALYZE images');

/** The SQL the app sends while `work` runs, with its parameters. */
async function queriesDuring(work: () => Promise<unknown>): Promise<Array<{ sql: string; parameters: unknown[] }>> {
  const logger = t.dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const seen: Array<{ sql: string; parameters: unknown[] }> = [];
  logger.logQuery = (sql, parameters, runner) => {
    seen.push({ sql, parameters: Array.isArray(parameters) ? parameters : [] }); // PostgreSQL's are positional
    return original(sql, parameters, runner);
  };
  try {
    await work();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}

it('serves q from the GIN index, for the page and for the total', async () => {
  const crypt = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a dwarf paladin in a torch-lit Crypt', style: 'Café noir' })).body;
  await settle();

  const pages: Array<{ items: Array<{ id: string }>; total: number }> = [];
  const queries = await queriesDuring(async () => {
    pages.push((await request(t.server).get('/api/v2/images/search').query({ q: 'pala crypt cafe' }).expect(200)).body);
    // A page smaller than the matches makes the total a query of its own.
    pages.push((await request(t.server).get('/api/v2/images/search').query({ q: 'meadow 499', pageSize: 2 }).expect(200)).body);
  });
  expect(pages[0]).toMatchObject({ items: [{ id: crypt.id }], total: 1 });
  expect(pages[1].total).toBe(11); // 499 and 4990–4999

  const searches = queries.filter((query) => query.sql.includes('to_tsquery'));
  expect(searches.map((query) => /^SELECT (COUNT)?/.exec(query.sql)![0])).toEqual(['SELECT ', 'SELECT ', 'SELECT COUNT']);
  for (const { sql, parameters } of searches) {
    const [{ 'QUERY PLAN': plan }] = (await t.dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters)) as Array<{ 'QUERY PLAN': unknown }>;
    expect(JSON.stringify(plan)).toContain('"Index Name":"idx_images_search"');
  }
});

it('matches every word as a prefix, over thousands of rows', async () => {
  const search = async (q: string) => (await request(t.server).get('/api/v2/images/search').query({ q, pageSize: 1 }).expect(200)).body.total as number;
  expect(await search('meadow')).toBe(FILLER_ROWS);
  expect(await search('mead numb 4999')).toBe(1);
  expect(await search('meadow 12')).toBe(111); // 12, 120–129, 1200–1299
  expect(await search("o'brien")).toBe(0); // quotes are text, not tsquery syntax
});
