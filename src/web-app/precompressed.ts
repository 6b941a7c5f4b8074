import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import Negotiator from 'negotiator';

/**
 * The web app's text files (dist/web) are compressed once, when it is built, and served as
 * they are (web-app.router.ts): a request costs no CPU for compression, and the level can be
 * the highest. Pictures are not here: WebP, PNG and JPEG are compressed already.
 */

/** What the build compresses, by extension, with the Content-Type each is served as (as serve-static's). */
export const COMPRESSIBLE_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

export type ContentEncoding = 'br' | 'gzip';

/** The encodings kept beside each file (`index-Ab12.js.br`), in the order the service prefers them. */
export const PRECOMPRESSED_SUFFIXES: Readonly<Record<ContentEncoding, string>> = { br: '.br', gzip: '.gz' };
const ENCODINGS = Object.keys(PRECOMPRESSED_SUFFIXES) as ContentEncoding[];

/** The Content-Type for a compressible file, or undefined when the build leaves it as it is. */
export function compressibleType(path: string): string | undefined {
  return Object.hasOwn(COMPRESSIBLE_TYPES, extname(path)) ? COMPRESSIBLE_TYPES[extname(path)] : undefined;
}

/** A stored variant (`.br`, `.gz`), never served under its own name. */
export function isPrecompressedVariant(path: string): boolean {
  return Object.values(PRECOMPRESSED_SUFFIXES).includes(extname(path));
}

/**
 * The precompressed encodings a client takes, best first: Accept-Encoding negotiated by
 * `negotiator` (what Express's req.acceptsEncodings uses), ties going to the service's order
 * (brotli is smaller). An encoding the client ranks below identity is left out; no header at
 * all means identity only (as for Express: some clients and proxies send none and cannot decode).
 */
export function acceptedEncodings(acceptEncoding: string | undefined): ContentEncoding[] {
  // negotiator 1.x breaks ties by the server's `preferred` order; @types/negotiator predates the option.
  const negotiator = new Negotiator({ headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }) as unknown as {
    encodings(available: string[], options: { preferred: string[] }): string[];
  };
  const ranked = negotiator.encodings([...ENCODINGS, 'identity'], { preferred: [...ENCODINGS, 'identity'] });
  const identity = ranked.indexOf('identity');
  return (identity === -1 ? ranked : ranked.slice(0, identity)) as ContentEncoding[];
}

/** One file's sizes in bytes; a variant is undefined when it would not have been smaller. */
export interface PrecompressedFile {
  file: string;
  bytes: number;
  br?: number;
  gzip?: number;
}

const compressors: Record<ContentEncoding, (data: Buffer) => Promise<Buffer>> = {
  br: (data) =>
    promisify(brotliCompress)(data, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length },
    }),
  gzip: (data) => promisify(gzip)(data, { level: zlib.Z_BEST_COMPRESSION }),
};

/**
 * Writes a `.br` and a `.gz` beside each compressible file under `dir` (the build's output),
 * each only when smaller than the file itself; the service then serves the file as it is.
 * Stale variants (from an earlier build in the same folder) are removed first.
 */
export async function precompressDir(dir: string): Promise<PrecompressedFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  await Promise.all(files.filter(isPrecompressedVariant).map((file) => rm(file)));
  const compressible = files.filter((file) => compressibleType(file) !== undefined).sort();
  return Promise.all(
    compressible.map(async (file) => {
      const data = await readFile(file);
      const result: PrecompressedFile = { file: relative(dir, file), bytes: data.length };
      for (const encoding of ENCODINGS) {
        const compressed = await compressors[encoding](data);
        if (compressed.length >= data.length) continue;
        await writeFile(`${file}${PRECOMPRESSED_SUFFIXES[encoding]}`, compressed);
        result[encoding] = compressed.length;
      }
      return result;
    }),
  );
}
