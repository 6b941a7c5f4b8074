import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { acceptedEncodings, compressibleType, isPrecompressedVariant, precompressDir } from './precompressed.js';

describe('acceptedEncodings', () => {
  it.each([
    ['gzip, deflate, br, zstd', ['br', 'gzip']], // what Chromium sends: brotli, the smaller, first
    ['gzip, deflate', ['gzip']],
    ['br', ['br']],
    ['br;q=0.5, gzip', ['gzip', 'br']],
    ['GZIP;Q=0.8, br;q=0.9', ['br', 'gzip']],
    ['*', ['br', 'gzip']],
    ['*, br;q=0', ['gzip']],
    ['gzip;q=0', []],
    ['identity', []],
    ['gzip;q=0.5, identity', []], // identity preferred
    ['deflate', []],
    ['', []],
    [undefined, []], // no header: identity only
  ])('%j → %j', (header, expected) => {
    expect(acceptedEncodings(header)).toEqual(expected);
  });
});

describe('compressibleType and isPrecompressedVariant', () => {
  it('compresses the web app’s text files, never its pictures, and knows the variants by name', () => {
    expect(compressibleType('/index-Ab12.js')).toBe('text/javascript; charset=utf-8');
    expect(compressibleType('index.html')).toBe('text/html; charset=utf-8');
    expect(compressibleType('/index-Ab12.css')).toBe('text/css; charset=utf-8');
    expect(compressibleType('/favicon-Ab12.svg')).toBe('image/svg+xml');
    for (const picture of ['/a.webp', '/a.png', '/a.jpg', '/a.js.gz', '/a.toString', '/a.__proto__']) expect(compressibleType(picture)).toBeUndefined();
    expect(isPrecompressedVariant('/index-Ab12.js.gz')).toBe(true);
    expect(isPrecompressedVariant('/index-Ab12.js.br')).toBe(true);
    expect(isPrecompressedVariant('/index-Ab12.js')).toBe(false);
  });
});

describe('precompressDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dnd-precompress-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes .br and .gz beside each compressible file that shrinks, byte-for-byte the same once decompressed', async () => {
    const script = Buffer.from('export const dragons = ["red", "blue", "green"];\n'.repeat(200));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>' + '<p>a paragraph of the page</p>'.repeat(50));
    await writeFile(join(dir, 'assets', 'index-Ab12.js'), script);
    await writeFile(join(dir, 'assets', 'tiny-Cd34.css'), 'a{}'); // nothing to gain
    await writeFile(join(dir, 'assets', 'picture-Ef56.webp'), Buffer.alloc(4096)); // compresses, but is a picture
    await writeFile(join(dir, 'assets', 'old-Zz99.js.gz'), 'stale'); // from an earlier build

    const report = await precompressDir(dir);

    expect(report.map((file) => file.file)).toEqual(['assets/index-Ab12.js', 'assets/tiny-Cd34.css', 'index.html']);
    const js = report[0];
    expect(js.bytes).toBe(script.length);
    expect(js.br).toBeLessThan(js.gzip!);
    expect(js.gzip).toBeLessThan(script.length / 10);
    expect(report[1]).toEqual({ file: 'assets/tiny-Cd34.css', bytes: 3 });
    expect((await readdir(join(dir, 'assets'))).sort()).toEqual(['index-Ab12.js', 'index-Ab12.js.br', 'index-Ab12.js.gz', 'picture-Ef56.webp', 'tiny-Cd34.css']);
    expect(gunzipSync(await readFile(join(dir, 'assets', 'index-Ab12.js.gz')))).toEqual(script);
    expect(brotliDecompressSync(await readFile(join(dir, 'assets', 'index-Ab12.js.br')))).toEqual(script);
    expect(gunzipSync(await readFile(join(dir, 'index.html.gz')))).toEqual(await readFile(join(dir, 'index.html')));
  });
});
