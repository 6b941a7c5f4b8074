import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { rawRequest } from '../../test/support/http.js';
import { precompressDir } from './precompressed.js';
import { findProjectRoot, findWebAppDir, serviceDescriptor, webAppRouter } from './web-app.router.js';

/** What a browser asks for when it opens a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dnd-web-app-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The router in front of a stand-in for Nest, which answers whatever falls through. */
const appServing = (webDir: string) =>
  express()
    .use(webAppRouter(webDir, serviceDescriptor()))
    .use((_request, response) => {
      response.status(404).json({ fellThrough: true });
    });

describe('findProjectRoot and findWebAppDir', () => {
  it('finds the project root (and dist/web under it), from the source folder as from the compiled one', () => {
    const projectRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
    expect(findProjectRoot()).toBe(projectRoot);
    expect(findProjectRoot(join(projectRoot, 'dist', 'src', 'web-app'))).toBe(projectRoot);
    expect(findWebAppDir()).toBe(join(projectRoot, 'dist', 'web'));
  });

  it('falls back to the working directory when no package.json is above', () => {
    expect(findProjectRoot(dir)).toBe(process.cwd());
  });
});

describe('webAppRouter', () => {
  it('serves index.html at / for revalidation and hashed assets for a year; everything else falls through', async () => {
    const webDir = join(dir, 'built');
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(webDir, 'assets', 'index-Ab12.js'), 'console.log(1)');
    const app = appServing(webDir);

    const page = await request(app).get('/').set('Accept', BROWSER_ACCEPT).expect(200).expect('Content-Type', /text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.text).toContain('<title>app</title>');
    const asset = await request(app).get('/assets/index-Ab12.js').expect(200).expect('Content-Type', /javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const path of ['/assets/missing.js', '/assets/', '/api/v2/images/search', '/docs', '/health', '/metrics', '/index.html']) {
      expect((await request(app).get(path).expect(404)).body).toEqual({ fellThrough: true });
    }
  });

  it('answers API clients at / with the old backend’s JSON descriptor, browsers with the page', async () => {
    const app = appServing(join(dir, 'built'));
    const descriptor = { name: 'D&D Image Generation API', version: expect.any(String), status: 'operational', docs: '/docs', health: '/health' };
    expect((await request(app).get('/').set('Accept', 'application/json').expect(200)).body).toEqual(descriptor);
    expect((await request(app).get('/').set('Accept', '*/*').expect(200)).body).toEqual(descriptor);
    await request(app).get('/').set('Accept', BROWSER_ACCEPT).expect(200).expect('Content-Type', /text\/html/);
  });

  it('answers / with how to build when the app is not built, and lets other routes be', async () => {
    const response = await request(appServing(join(dir, 'never-built'))).get('/').set('Accept', BROWSER_ACCEPT).expect(503).expect('Content-Type', /text\/plain/);
    expect(response.text).toContain('npm run build');
    await request(appServing(join(dir, 'never-built'))).get('/assets/index-Ab12.js').expect(404, { fellThrough: true });
  });
});

describe('webAppRouter: compressed HTML, JS, CSS and SVG', () => {
  let app: express.Express;
  const script = Buffer.from('export const party = ["fighter", "wizard", "cleric", "rogue"];\n'.repeat(300));
  beforeAll(async () => {
    const webDir = join(dir, 'compressed');
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), `<!doctype html><title>app</title>${'<p>a line of the page</p>'.repeat(100)}`);
    await writeFile(join(webDir, 'assets', 'index-Ab12.js'), script);
    await writeFile(join(webDir, 'assets', 'index-Cd34.css'), 'body { color: rebeccapurple; }\n'.repeat(100));
    await writeFile(join(webDir, 'assets', 'tiny-Ef56.svg'), '<svg/>'); // too small to gain: no variants
    await writeFile(join(webDir, 'assets', 'icon-Gh78.png'), Buffer.alloc(2048)); // a picture: never compressed
    await precompressDir(webDir);
    app = appServing(webDir);
  });

  const HTML = { Accept: BROWSER_ACCEPT };
  const CHROMIUM = 'gzip, deflate, br, zstd';

  it.each([
    ['/assets/index-Ab12.js', {}],
    ['/assets/index-Cd34.css', {}],
    ['/', HTML],
  ])('serves %s gzipped to a client taking gzip, the same bytes once gunzipped, and as it is to one taking none', async (path, headers) => {
    const identity = await rawRequest(app, path, headers);
    const gzipped = await rawRequest(app, path, { ...headers, 'Accept-Encoding': 'gzip, deflate' });
    expect(identity.status).toBe(200);
    expect(gzipped.status).toBe(200);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    for (const response of [identity, gzipped]) {
      expect(response.headers.vary).toMatch(/\bAccept-Encoding\b/);
      expect(Number(response.headers['content-length'])).toBe(response.body.length);
    }
    expect(gzipped.headers['content-type']).toBe(identity.headers['content-type']);
    expect(gzipped.headers['cache-control']).toBe(identity.headers['cache-control']);
    expect(gzipped.body.length).toBeLessThan(identity.body.length / 4);
    expect(gunzipSync(gzipped.body)).toEqual(identity.body);
    // Each representation has its own validator, so a cache never mixes them up.
    expect(gzipped.headers.etag).toBeDefined();
    expect(gzipped.headers.etag).not.toBe(identity.headers.etag);
  });

  it('prefers brotli when the client takes both, as browsers do, and honours q-values', async () => {
    const brotli = await rawRequest(app, '/assets/index-Ab12.js', { 'Accept-Encoding': CHROMIUM });
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(brotliDecompressSync(brotli.body)).toEqual(script);
    expect((await rawRequest(app, '/assets/index-Ab12.js', { 'Accept-Encoding': 'br;q=0.5, gzip' })).headers['content-encoding']).toBe('gzip');
    for (const refused of ['identity', 'gzip;q=0, br;q=0', 'deflate']) {
      const response = await rawRequest(app, '/assets/index-Ab12.js', { 'Accept-Encoding': refused });
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.body).toEqual(script);
    }
  });

  it('revalidates each representation by its own ETag, and answers HEAD with the compressed length', async () => {
    const first = await rawRequest(app, '/', { ...HTML, 'Accept-Encoding': CHROMIUM });
    const again = await rawRequest(app, '/', { ...HTML, 'Accept-Encoding': CHROMIUM, 'If-None-Match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.headers['cache-control']).toBe('no-cache');
    const head = await rawRequest(app, '/assets/index-Ab12.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(Number(head.headers['content-length'])).toBe((await rawRequest(app, '/assets/index-Ab12.js', { 'Accept-Encoding': 'gzip' })).body.length);
    expect(head.body.length).toBe(0);
  });

  it('sends files without a variant as they are, leaves pictures alone, and never serves a variant by its own name', async () => {
    const svg = await rawRequest(app, '/assets/tiny-Ef56.svg', { 'Accept-Encoding': CHROMIUM });
    expect(svg.status).toBe(200);
    expect(svg.headers['content-encoding']).toBeUndefined();
    expect(svg.body.toString()).toBe('<svg/>');
    const png = await rawRequest(app, '/assets/icon-Gh78.png', { 'Accept-Encoding': CHROMIUM });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers.vary).toBeUndefined();
    expect(png.body.length).toBe(2048);

    for (const path of ['/assets/index-Ab12.js.gz', '/assets/index-Ab12.js.br', '/assets/missing.js', '/assets/..%2findex.html']) {
      const response = await rawRequest(app, path, { 'Accept-Encoding': CHROMIUM });
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body.toString())).toEqual({ fellThrough: true });
    }
  });

  it('still answers API clients at / with the descriptor, uncompressed, saying the answer depends on Accept', async () => {
    const response = await rawRequest(app, '/', { Accept: 'application/json', 'Accept-Encoding': CHROMIUM });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers.vary).toMatch(/\bAccept\b/);
    expect(JSON.parse(response.body.toString())).toMatchObject({ status: 'operational' });
  });
});
