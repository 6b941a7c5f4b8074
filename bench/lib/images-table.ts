/**
 * The service's `images` table as the benchmark's bare baselines and seeding see it: its
 * columns, a row as the API answers it, and the SQL `GET /api/v2/images/search` runs on
 * SQLite, written out by hand: what TypeORM's query builder emits for ImagesRepository.search
 * (read from its query log), so the bare search baseline runs the same statements and the
 * benchmark can EXPLAIN them.
 *
 *   page:  SELECT <every column> FROM "images" "image" WHERE <conditions>
 *          ORDER BY "image"."created_at" DESC, "image"."id" DESC LIMIT <n> OFFSET <m>
 *   count: SELECT COUNT(*) AS "total" FROM "images" "image" WHERE <conditions>
 *
 * `q` becomes `image.rowid IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)` with
 * every word quoted and prefix-matched (`+image.rowid` in the page statement); soft-deleted
 * rows are excluded. The count query is skipped when the page itself shows the total (a
 * short, non-empty page, or a short first page).
 *
 * Only bench code imports this (the baseline must not load the service's modules), so the
 * parts that mirror the service are copies: keep them in step with src/images.
 */

export interface SearchParams {
  words: string[];
  itemId?: string;
  itemType?: string;
  featured?: boolean;
  source?: string;
  sort: 'newest' | 'oldest';
  page: number;
  pageSize: number;
}

/** The images table's columns, as the entity selects them (snake_case, as stored). */
export interface ImageRow {
  id: string;
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
  source_hash: string | null;
  created_at: string;
  deleted_at: string | null;
}

const COLUMNS: readonly (keyof ImageRow)[] = [
  'id',
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
  'source_hash',
  'created_at',
  'deleted_at',
];

/** `INSERT INTO images (<every column>) VALUES (@id, @prompt, …)`: better-sqlite3 named parameters. */
export const INSERT_IMAGE_SQL = `INSERT INTO "images" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`;

/** The query string as the service reads it (SearchImagesQueryDto's defaults; no validation). */
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
  const offset = (params.page - 1) * params.pageSize;
  const columns = COLUMNS.map((column) => `"image"."${column}"`).join(', ');
  return {
    // TypeORM writes LIMIT and OFFSET into the text (not bound), so each page is its own statement.
    page: { sql: `SELECT ${columns} ${where.replace(textMatch('image.rowid'), textMatch('+image.rowid'))} ORDER BY "image"."created_at" ${direction}, "image"."id" ${direction} LIMIT ${params.pageSize} OFFSET ${offset}`, args },
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

/** An image row as the API answers it (a copy of toImageDto in src/images/dto/image.dto.ts). */
export function imageJson(row: Omit<ImageRow, 'thumbnail_size_bytes' | 'source_hash' | 'deleted_at'>) {
  return {
    id: row.id,
    prompt: row.prompt,
    style: row.style,
    itemId: row.item_id,
    itemType: row.item_type,
    featured: row.featured === 1,
    source: row.source,
    model: row.model,
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
