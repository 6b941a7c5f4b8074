/**
 * Baseline for the scene cache hit: bare node:http + better-sqlite3 on the SAME database file
 * the service used, doing what a minimal hand-written handler would do to answer a hit.
 *
 *   node dist/bench/baseline-scene-server.js --db <bench.db> --model local
 *
 * Per request: read and JSON.parse the body, normalize the description as the service does
 * (src/scenes/scene-key.ts), compute the same sha256 key, run ONE prepared statement (the
 * indexed lookup of the entry joined to its image) and answer a JSON body of the service's
 * shape (cached, cacheKey, expiresAt, hitCount, image) with `X-Cache: HIT`.
 *
 * Unlike the service it does not count the hit (no write transaction per request: the
 * service bumps hit_count, last_hit_at and the cache's counters). It opens the database
 * read-only; the service runs it in WAL mode, which a read-only connection reads fine.
 *
 * It runs as its own process (started by bench/run.ts with an IPC channel) so it gets its own
 * core, like the service does. It listens on an ephemeral port and reports it over IPC.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { sendJson, serveBaseline } from './lib/baseline-http.js';
import { fromDbDate, imageJson, type ImageJsonRow, toDbDate } from './lib/images-table.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    model: { type: 'string', default: 'local' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const { db: dbPath, model, host } = values;
if (!dbPath) {
  console.error('usage: baseline-scene-server --db <path to the service database> [--model local]');
  process.exit(2);
}

/** The service's default when a request names no aspect ratio. */
const DEFAULT_ASPECT_RATIO = '1:1';

/** A copy of src/scenes/scene-key.ts (a baseline must not load the service's modules). */
const normalize = (text: string) => text.normalize('NFC').trim().toLocaleLowerCase('en-US').replace(/\s+/g, ' ');

function cacheKey(description: string, style: string | null, aspectRatio: string): string {
  const material = JSON.stringify([normalize(description), style === null ? null : normalize(style), aspectRatio, model]);
  return createHash('sha256').update(material).digest('hex');
}

type Row = ImageJsonRow & { cache_key: string; expires_at: string; hit_count: number };

const db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
const lookup = db.prepare<[string, string], Row>(`
  SELECT scene_cache.cache_key, scene_cache.expires_at, scene_cache.hit_count,
         images.id, images.prompt, images.style, images.item_id, images.item_type, images.featured,
         images.source, images.model, images.parent_id, images.aspect_ratio, images.width, images.height, images.size_bytes,
         images.thumbnail_width, images.thumbnail_height, images.content_hash, images.created_at
    FROM scene_cache JOIN images ON images.id = scene_cache.image_id
   WHERE scene_cache.cache_key = ? AND scene_cache.expires_at > ? AND images.deleted_at IS NULL`);

function answer(response: ServerResponse, raw: Buffer): void {
  let body: { description?: unknown; style?: unknown; aspectRatio?: unknown };
  try {
    body = JSON.parse(raw.toString('utf8')) as typeof body;
  } catch {
    return sendJson(response, 400, { message: 'invalid JSON' });
  }
  if (typeof body.description !== 'string') return sendJson(response, 400, { message: 'description must be a string' });
  const style = typeof body.style === 'string' ? body.style : null;
  const aspectRatio = typeof body.aspectRatio === 'string' ? body.aspectRatio : DEFAULT_ASPECT_RATIO;
  const key = cacheKey(body.description, style, aspectRatio);

  const row = lookup.get(key, toDbDate(new Date()));
  // This baseline only answers hits; a miss would mean the benchmark set it up wrong.
  if (!row) return sendJson(response, 404, { message: 'not in the scene cache' }, { 'X-Cache': 'MISS' });
  sendJson(
    response,
    200,
    {
      cached: true,
      cacheKey: row.cache_key,
      expiresAt: fromDbDate(row.expires_at),
      hitCount: row.hit_count,
      image: imageJson(row),
    },
    { 'X-Cache': 'HIT' },
  );
}

function handler(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      answer(response, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    } catch (error) {
      sendJson(response, 500, { message: String(error) });
    }
  });
}

serveBaseline(handler, host, `scene, ${dbPath}`);
