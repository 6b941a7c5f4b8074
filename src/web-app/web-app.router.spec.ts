import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { findWebAppDir, webAppRouter } from './web-app.router.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dnd-web-app-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The router in front of a stand-in for Nest, which answers whatever falls through. */
const appServing = (webDir: string) =>
  express()
    .use(webAppRouter(webDir))
    .use((_request, response) => {
      response.status(404).json({ fellThrough: true });
    });

describe('findWebAppDir', () => {
  it('finds dist/web under the project root, from the source folder as from the compiled one', () => {
    const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
    expect(findWebAppDir()).toBe(join(projectRoot, 'dist', 'web'));
    expect(findWebAppDir(join(projectRoot, 'dist', 'src', 'web-app'))).toBe(join(projectRoot, 'dist', 'web'));
  });

  it('falls back to the working directory when no package.json is above', () => {
    expect(findWebAppDir(dir)).toBe(join(process.cwd(), 'dist', 'web'));
  });
});

describe('webAppRouter', () => {
  it('serves index.html at / for revalidation and hashed assets for a year; everything else falls through', async () => {
    const webDir = join(dir, 'built');
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(webDir, 'assets', 'index-Ab12.js'), 'console.log(1)');
    const app = appServing(webDir);

    const page = await request(app).get('/').expect(200).expect('Content-Type', /text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.text).toContain('<title>app</title>');
    const asset = await request(app).get('/assets/index-Ab12.js').expect(200).expect('Content-Type', /javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const path of ['/assets/missing.js', '/assets/', '/api/v2/images/search', '/docs', '/health', '/metrics', '/index.html']) {
      expect((await request(app).get(path).expect(404)).body).toEqual({ fellThrough: true });
    }
  });

  it('answers / with how to build when the app is not built, and lets other routes be', async () => {
    const response = await request(appServing(join(dir, 'never-built'))).get('/').expect(503).expect('Content-Type', /text\/plain/);
    expect(response.text).toContain('npm run build');
    await request(appServing(join(dir, 'never-built'))).get('/assets/index-Ab12.js').expect(404, { fellThrough: true });
  });
});
