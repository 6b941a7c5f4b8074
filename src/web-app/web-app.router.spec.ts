import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
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
