/**
 * The service's `images` table as the benchmark's bare baselines and seeding see it: its
 * columns, how rows written straight into it get their numbers, a row as each API answers it
 * (v2 camelCase, v1 the old contract's snake_case), and the SQL both `GET /api/v2/images/search`
 * and `GET /api/v1/images/search` run on SQLite, written out by hand: what TypeORM's query
 * builder emits for ImagesRepository.search (read from its query log), so the bare search
 * baseline runs the same statements and the benchmark can EXPLAIN them.
 *
 *   page:  SELECT <every column> FROM "images" "image" WHERE <conditions>
 *          ORDER BY ["image"."featured" DESC,] "image"."created_at" DESC, "image"."id" DESC
 *          LIMIT <n> OFFSET <m>
 *   count: SELECT COUNT(*) AS "total" FROM "images" "image" WHERE <conditions>
 *
 * `q` becomes `image.rowid IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)` with
 * every word quoted and prefix-matched (`+image.rowid` in the page statement); soft-deleted
 * rows are excluded; v1 sorts featured first. The count query is skipped when the page itself
 * shows the total (a short, non-empty page, or a short first page).
 *
 * Only bench code imports this (the baseline must not load the service's modules), so the
 * parts that mirror the service are copies: keep them in step with src/images and src/seed-api.
 */
import type Database from 'better-sqlite3';

export interface SearchParams {
  words: string[];
  itemId?: string;
  itemType?: string;
  featured?: boolean;
  source?: string;
  /** v2 sends newest or oldest; v1 always featured-first (then newest). */
  sort: 'newest' | 'oldest' | 'featured-first';
  page: number;
  pageSize: number;
}

/** The images table's columns, as the entity selects them (snake_case, as stored). */
export interface ImageRow {
  id: string;
  /** The stable integer id v1 addresses images by (unique; see imageNumbers). */
  number: number;
  prompt: string;
  style: string | null;
  item_id: string | null;
  item_type: string | null;
  featured: number;
  source: string;
  model: string | null;
  aspect_ratio: string | null;
  width: number;
  height: number;
  size_bytes: number;
  thumbnail_width: number;
  thumbnail_height: number;
  thumbnail_size_bytes: number;
  content_hash: string;
  component: string | null;
  custom_prompt: string | null;
  use_count: number;
  last_used_at: string | null;
  generation_ms: number | null;
  /** The image an edit was made from (lineage). */
  parent_id: string | null;
  source_hash: string | null;
  created_at: string;
  deleted_at: string | null;
}

const COLUMNS: readonly (keyof ImageRow)[] = [
  'id',
  'number',
  'prompt',
  'style',
  'item_id',
  'item_type',
  'featured',
  'source',
  'model',
  'aspect_ratio',
  'width',
  'height',
  'size_bytes',
  'thumbnail_width',
  'thumbnail_height',
  'thumbnail_size_bytes',
  'content_hash',
  'component',
  'custom_prompt',
  'use_count',
  'last_used_at',
  'generation_ms',
  'parent_id',
  'source_hash',
  'created_at',
  'deleted_at',
];

/** `INSERT INTO images (<every column>) VALUES (@id, @prompt, …)`: better-sqlite3 named parameters. */
export const INSERT_IMAGE_SQL = `INSERT INTO "images" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`;

/**
 * Numbers for rows written straight into `images`, taken where the service takes them
 * (nextImageNumber in src/images/images.repository.ts): the `sequences` row 'images', moved on
 * by `count` and answering the first of the numbers taken. Call it in the inserts' transaction,
 * as the service does, so v1 routes find the rows by number and the service (or another writer
 * of the same file) carries on after them rather than handing a number out twice.
 */
export function imageNumbers(db: Database.Database): (count?: number) => number {
  const take = db.prepare<[number], { last_value: number }>(`UPDATE "sequences" SET "last_value" = "last_value" + ? WHERE "name" = 'images' RETURNING "last_value"`);
  return (count = 1) => {
    const row = take.get(count);
    if (!row) throw new Error(`No 'images' row in "sequences": has the AddImageNumbersAndUse migration run?`);
    return row.last_value - count + 1;
  };
}

/** v2's query string as the service reads it (SearchImagesQueryDto's defaults; no validation). */
export function parseSearchParams(query: URLSearchParams): SearchParams {
  const featured = query.get('featured');
  return {
    words: searchWords(query.get('q') ?? undefined),
    itemId: query.get('itemId') ?? undefined,
    itemType: query.get('itemType') ?? undefined,
    featured: featured === null ? undefined : featured === 'true',
    source: query.get('source') ?? undefined,
    sort: query.get('sort') === 'oldest' ? 'oldest' : 'newest',
    page: Number(query.get('page') ?? 1),
    pageSize: Number(query.get('pageSize') ?? 20),
  };
}

/**
 * v1's query string as SeedImagesController.search reads it (SeedSearchImagesQueryDto's
 * defaults and FastAPI's booleans; no validation): no text search, featured first.
 */
export function parseSeedSearchParams(query: URLSearchParams): SearchParams {
  const featured = query.get('is_featured')?.trim().toLowerCase();
  return {
    words: [],
    // `|| undefined`, as the controller: an empty subject filters nothing.
    itemId: query.get('subject_name') || undefined,
    itemType: query.get('subject_type') || undefined,
    featured: featured === undefined ? undefined : ['true', '1', 'yes', 'on', 't', 'y'].includes(featured),
    sort: 'featured-first',
    page: Number(query.get('page') ?? 1),
    pageSize: Number(query.get('page_size') ?? 12),
  };
}

/** A copy of searchWords in src/images/images.service.ts: runs of letters and digits, lower-cased. */
function searchWords(q: string | undefined): string[] {
  return q?.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 16) ?? [];
}

export interface SearchStatements {
  page: { sql: string; args: unknown[] };
  count: { sql: string; args: unknown[] };
  offset: number;
}

export function searchStatements(params: SearchParams): SearchStatements {
  const conditions: string[] = [];
  const args: unknown[] = [];
  // The page's text condition carries a unary `+` (walk the date index), the count's does not.
  const textMatch = (rowid: string) => `${rowid} IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)`;
  if (params.words.length > 0) {
    conditions.push(textMatch('image.rowid'));
    args.push(params.words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' '));
  }
  const equal = (column: string, value: unknown) => {
    if (value === undefined) return;
    conditions.push(`"image"."${column}" = ?`);
    args.push(value);
  };
  equal('item_id', params.itemId);
  equal('item_type', params.itemType);
  equal('featured', params.featured === undefined ? undefined : Number(params.featured));
  equal('source', params.source);
  conditions.push('"image"."deleted_at" IS NULL');

  const where = `FROM "images" "image" WHERE ${conditions.join(' AND ')}`;
  const direction = params.sort === 'oldest' ? 'ASC' : 'DESC';
  const order = `${params.sort === 'featured-first' ? '"image"."featured" DESC, ' : ''}"image"."created_at" ${direction}, "image"."id" ${direction}`;
  const offset = (params.page - 1) * params.pageSize;
  const columns = COLUMNS.map((column) => `"image"."${column}"`).join(', ');
  return {
    // TypeORM writes LIMIT and OFFSET into the text (not bound), so each page is its own statement.
    page: { sql: `SELECT ${columns} ${where.replace(textMatch('image.rowid'), textMatch('+image.rowid'))} ORDER BY ${order} LIMIT ${params.pageSize} OFFSET ${offset}`, args },
    count: { sql: `SELECT COUNT(*) AS "total" ${where}`, args },
    offset,
  };
}

/** TypeORM's lazyCount: the total when the page shows it, else undefined (run the count query). */
export function totalFromPage(rows: number, offset: number, pageSize: number): number | undefined {
  if (rows === pageSize) return undefined;
  if (rows === 0 && offset > 0) return undefined;
  return offset + rows;
}

/** SQLite datetimes as TypeORM stores them: UTC 'YYYY-MM-DD HH:MM:SS.SSS'; the API speaks ISO 8601. */
export const toDbDate = (date: Date) => date.toISOString().slice(0, 23).replace('T', ' ');
export const fromDbDate = (value: string) => `${value.replace(' ', 'T')}Z`;

const IMAGES_BASE_PATH = '/api/v2/images';

/** The columns toImageDto reads (the scene baseline selects only these). */
export type ImageJsonRow = Pick<
  ImageRow,
  | 'id'
  | 'prompt'
  | 'style'
  | 'item_id'
  | 'item_type'
  | 'featured'
  | 'source'
  | 'model'
  | 'parent_id'
  | 'aspect_ratio'
  | 'width'
  | 'height'
  | 'size_bytes'
  | 'thumbnail_width'
  | 'thumbnail_height'
  | 'content_hash'
  | 'created_at'
>;

/** An image row as v2 answers it (a copy of toImageDto in src/images/dto/image.dto.ts). */
export function imageJson(row: ImageJsonRow) {
  return {
    id: row.id,
    prompt: row.prompt,
    style: row.style,
    itemId: row.item_id,
    itemType: row.item_type,
    featured: row.featured === 1,
    source: row.source,
    model: row.model,
    parentId: row.parent_id,
    aspectRatio: row.aspect_ratio,
    width: row.width,
    height: row.height,
    sizeBytes: row.size_bytes,
    thumbnailWidth: row.thumbnail_width,
    thumbnailHeight: row.thumbnail_height,
    contentHash: row.content_hash,
    createdAt: fromDbDate(row.created_at),
    urls: { full: `${IMAGES_BASE_PATH}/${row.id}/full`, thumbnail: `${IMAGES_BASE_PATH}/${row.id}/thumbnail` },
  };
}

/** An image row as v1 answers it (a copy of toSeedImage in src/seed-api/seed-presenter.ts, without a scene's subject). */
export function seedImageJson(row: ImageRow) {
  return {
    id: row.number,
    subject_name: row.item_id ?? row.prompt.slice(0, 200),
    subject_type: row.item_type ?? 'item',
    component: row.component ?? row.source,
    storage_path_full: `images/full/${row.id}.webp`,
    storage_path_thumbnail: `images/thumbnails/${row.id}.webp`,
    file_size_bytes: row.size_bytes,
    generation_time_ms: row.generation_ms ?? 0,
    created_at: fromDbDate(row.created_at),
    is_featured: row.featured === 1,
    use_count: row.use_count,
  };
}

/**
 * The two search routes over the same table: where each listens, how it reads its query string
 * and how it answers a page (SearchImagesQueryDto / ImagePageDto, SeedSearchImagesQueryDto /
 * SeedImagePageDto).
 */
export const SEARCH_APIS = {
  v2: {
    path: '/api/v2/images/search',
    parse: parseSearchParams,
    answer: (rows: ImageRow[], total: number, params: SearchParams) => ({
      items: rows.map(imageJson),
      total,
      page: params.page,
      pageSize: params.pageSize,
      totalPages: Math.ceil(total / params.pageSize),
    }),
  },
  v1: {
    path: '/api/v1/images/search',
    parse: parseSeedSearchParams,
    answer: (rows: ImageRow[], total: number, params: SearchParams) => ({
      items: rows.map(seedImageJson),
      total,
      page: params.page,
      page_size: params.pageSize,
      total_pages: Math.ceil(total / params.pageSize),
    }),
  },
} as const;

export type SearchApi = keyof typeof SEARCH_APIS;
