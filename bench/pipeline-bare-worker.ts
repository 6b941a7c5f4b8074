/**
 * The baseline for the generation pipeline: bare sharp, fs and better-sqlite3 doing the same
 * steps with nothing around them. Decode the PNG once to raw pixels, encode the full WebP and
 * the thumbnail WebP (fit inside, same quality and effort) from them in parallel, sha256 the
 * full WebP, write both files, and one transaction into the service's own `images` table (same
 * file, schema, indexes and FTS5 triggers; WAL, synchronous=NORMAL as the service sets): the
 * image's number from the `sequences` row, as the service takes it, and one prepared INSERT.
 *
 *   node dist/bench/pipeline-bare-worker.js --db <bench.db> --dir <storage dir> --quality 85 --thumbnail 200
 */
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageNumbers, type ImageRow, INSERT_IMAGE_SQL, toDbDate } from './lib/images-table.js';
import { PIPELINE_ROW, servePipelineJobs } from './lib/pipeline-worker.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    dir: { type: 'string' },
    quality: { type: 'string', default: '85' },
    thumbnail: { type: 'string', default: '200' },
  },
});
if (!values.db || !values.dir) {
  console.error('usage: pipeline-bare-worker --db <migrated database> --dir <storage dir> [--quality 85] [--thumbnail 200]');
  process.exit(2);
}
const dir = values.dir;
const webp = { quality: Number(values.quality), effort: 4 };
const thumbnailSide = Number(values.thumbnail);

const db = new Database(values.db, { fileMustExist: true, timeout: 5000 });
db.pragma('synchronous = NORMAL');
const insert = db.prepare<ImageRow>(INSERT_IMAGE_SQL);
const nextNumber = imageNumbers(db);
// The service's store() writes into the same table in the other rounds: both take numbers from the sequence.
const insertNumbered = db.transaction((row: Omit<ImageRow, 'number'>) => insert.run({ ...row, number: nextNumber() }));

servePipelineJobs(async (input, job) => {
  const { data, info } = await sharp(input).raw().toBuffer({ resolveWithObject: true });
  const pixels = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const [full, thumbnail] = await Promise.all([
    pixels().webp(webp).toBuffer({ resolveWithObject: true }),
    pixels().resize(thumbnailSide, thumbnailSide, { fit: 'inside', withoutEnlargement: true }).webp(webp).toBuffer({ resolveWithObject: true }),
  ]);
  const id = randomUUID();
  await Promise.all([writeFile(join(dir, `${id}.webp`), full.data), writeFile(join(dir, `${id}-thumbnail.webp`), thumbnail.data)]);
  insertNumbered({
    id,
    ...PIPELINE_ROW,
    style: null,
    item_id: null,
    item_type: null,
    featured: 0,
    aspect_ratio: job.aspectRatio,
    width: full.info.width,
    height: full.info.height,
    size_bytes: full.data.length,
    thumbnail_width: thumbnail.info.width,
    thumbnail_height: thumbnail.info.height,
    thumbnail_size_bytes: thumbnail.data.length,
    content_hash: createHash('sha256').update(full.data).digest('hex'),
    // What store() records for a picture it is handed (no client, no provider timing).
    component: null,
    custom_prompt: null,
    use_count: 0,
    last_used_at: null,
    generation_ms: null,
    parent_id: null,
    source_hash: null,
    created_at: toDbDate(new Date()),
    deleted_at: null,
  });
});
