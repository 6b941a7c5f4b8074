import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { requireBuiltWebApp } from '../support/browser.js';
import { rawRequest } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('GET /health', () => {
  it('reports database, disk and the image count', async () => {
    await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a kobold with a candle' }).expect(201);
    const response = await request(t.server).get('/health').expect(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, disk: { status: 'up' }, images: { status: 'up', count: 1 } },
      error: {},
    });
  });
});

describe('GET /metrics', () => {
  it('exposes process metrics, the HTTP histogram by route template, and generation counters', async () => {
    const image = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a gelatinous cube' }).expect(201)).body;
    await request(t.server).get(`/api/v2/images/${image.id}`).expect(200);
    await request(t.server).get('/api/v2/images/not-a-uuid').expect(400);

    const metrics = (await request(t.server).get('/metrics').expect(200).expect('Content-Type', /text\/plain/)).text;
    expect(metrics).toContain('process_cpu_seconds_total');
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/images\/:id",status="200"\} 1\n/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/images\/:id",status="400"\} 1\n/);
    expect(metrics).not.toContain(image.id);
    expect(metrics).toMatch(/image_generations_total\{source="local",outcome="success"\} 2\n/);
    expect(metrics).toMatch(/image_generation_duration_seconds_count\{source="local",outcome="success"\} 2\n/);
    expect(metrics).toMatch(/images_stored 2\n/);
    expect(metrics).toMatch(new RegExp(`image_storage_bytes\\{variant="full"\\} ${image.sizeBytes + 0}|image_storage_bytes\\{variant="full"\\} \\d+`));
  });
});

describe('Swagger', () => {
  it('documents every route of the Images contract with bodies, queries and responses', async () => {
    const document = (await request(t.server).get('/docs-json').expect(200)).body;
    // The OpenAPI document is untyped JSON; the assertions below say what must be in it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const paths = document.paths as Record<string, Record<string, any>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/api/v2/images/generate',
        '/api/v2/images/search',
        '/api/v2/images/{id}',
        '/api/v2/images/{id}/full',
        '/api/v2/images/{id}/thumbnail',
        '/api/v2/images/{id}/feature',
        '/api/v2/scenes/generate',
        '/api/v2/scenes/cache/stats',
        '/api/v2/scenes/cache/clear',
        '/health',
      ]),
    );
    expect(paths['/api/v2/images/generate'].post.requestBody.content['application/json'].schema.$ref).toContain('GenerateImageDto');
    expect(paths['/api/v2/images/generate'].post.responses).toHaveProperty('201');
    expect(paths['/api/v2/images/generate'].post.responses).toHaveProperty('422');
    const searchParams = paths['/api/v2/images/search'].get.parameters.map((p: { name: string }) => p.name);
    expect(searchParams).toEqual(expect.arrayContaining(['q', 'itemId', 'itemType', 'featured', 'source', 'page', 'pageSize', 'sort']));
    expect(paths['/api/v2/images/{id}'].delete.responses).toHaveProperty('204');
    const sceneRoute = paths['/api/v2/scenes/generate'].post;
    expect(sceneRoute.requestBody.content['application/json'].schema.$ref).toContain('GenerateSceneDto');
    expect(Object.keys(sceneRoute.responses)).toEqual(expect.arrayContaining(['200', '400', '429', '503']));
    expect(sceneRoute.responses['200'].headers).toHaveProperty('X-Cache');
    expect(paths['/api/v2/scenes/cache/stats'].get.responses['200'].content['application/json'].schema.$ref).toContain('SceneCacheStatsDto');
    expect(paths['/api/v2/images/{id}/full'].get.responses).toHaveProperty('304');
    const imageSchema = document.components.schemas.ImageDto;
    expect(Object.keys(imageSchema.properties)).toEqual(
      expect.arrayContaining(['id', 'prompt', 'style', 'itemId', 'itemType', 'featured', 'source', 'model', 'width', 'height', 'sizeBytes', 'thumbnailWidth', 'thumbnailHeight', 'contentHash', 'createdAt', 'urls']),
    );
    const html = await request(t.server).get('/docs').expect(200);
    expect(html.text).toContain('swagger-ui');
  });

  it('documents the old contract under /api/v1 and the native API under /api/v2, tagged apart, and validates as OpenAPI 3', async () => {
    const document = (await request(t.server).get('/docs-json').expect(200)).body;
    await SwaggerParser.validate(structuredClone(document));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const paths = document.paths as Record<string, Record<string, any>>;
    const v1Routes = [
      ['post', '/api/v1/images/generate'],
      ['get', '/api/v1/images/search'],
      ['get', '/api/v1/images/{image_id}'],
      ['put', '/api/v1/images/{image_id}/feature'],
      ['delete', '/api/v1/images/{image_id}'],
      ['post', '/api/v1/scenes/generate'],
      ['get', '/api/v1/scenes/cache/stats'],
      ['delete', '/api/v1/scenes/cache/clear'],
      ['post', '/api/v1/maintenance/cleanup/expired-cache'],
      ['post', '/api/v1/maintenance/cleanup/orphaned-images'],
      ['get', '/api/v1/maintenance/stats'],
      ['post', '/api/v1/migrate/from-localstorage'],
    ];
    for (const [method, path] of v1Routes) expect(paths[path]?.[method]?.tags?.[0]).toMatch(/^v1 /);
    const v2Operations = Object.entries(paths)
      .filter(([path]) => path.startsWith('/api/v2/'))
      .flatMap(([, operations]) => Object.values(operations));
    for (const operation of v2Operations) expect(operation.tags[0]).toMatch(/^v2 /);
    expect(paths['/api/v1/images/generate'].post.responses['200'].content['application/json'].schema.$ref).toContain('SeedImageDto');
    expect(paths['/api/v1/images/generate'].post.responses['422'].content['application/json'].schema.oneOf).toHaveLength(2);
    expect(paths['/api/v1/scenes/generate'].post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:location', 'query:time_of_day', 'query:weather', 'query:force_regenerate']),
    );
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/health', '/health/live', '/health/ready']));
    expect(document.tags.map((tag: { name: string }) => tag.name)).toEqual(expect.arrayContaining(['v1 images', 'v2 images']));
  });

  it('never leaks stack traces or paths in errors', async () => {
    const response = await request(t.server).get('/api/v2/images/search?page=-1').expect(400);
    expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|\/work\/|node_modules/);
  });
});

describe('the web app at /', () => {
  it("is served under helmet's CSP, its hashed assets cached for a year, beside the API, docs, health and metrics", async () => {
    requireBuiltWebApp();
    const page = await request(t.server).get('/').set('Accept', 'text/html').expect(200).expect('Content-Type', /text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // Code and styles come from /assets only: no inline script for the CSP to block, no CDN.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc="\/assets\/)[^>]*>/);
    const assets = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/\.js$/), expect.stringMatching(/\.css$/)]));
    for (const url of new Set(assets)) {
      const asset = await request(t.server).get(url).expect(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }

    const unknown = await request(t.server).get('/api/v2/no-such-route').expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await request(t.server).get('/docs').expect(200)).text).toContain('swagger-ui');
    await request(t.server).get('/health').expect(200);
    await request(t.server).get('/metrics').expect(200).expect('Content-Type', /text\/plain/);
  });

  it('sends the page and its assets as the build compressed them (brotli, gzip) to clients that take them, never the pictures', async () => {
    requireBuiltWebApp();
    const HTML = { Accept: 'text/html' };
    const page = await rawRequest(t.server, '/', HTML);
    const assets = [...new Set([...page.body.toString().matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]))];
    expect(assets.length).toBeGreaterThanOrEqual(3); // the script, the styles, the icon
    for (const [path, headers] of [['/', HTML], ...assets.map((asset) => [asset, {}] as const)] as const) {
      const identity = await rawRequest(t.server, path, headers);
      const gzipped = await rawRequest(t.server, path, { ...headers, 'Accept-Encoding': 'gzip, deflate' });
      const brotli = await rawRequest(t.server, path, { ...headers, 'Accept-Encoding': 'gzip, deflate, br, zstd' });
      expect([identity.status, gzipped.status, brotli.status]).toEqual([200, 200, 200]);
      expect([identity.headers['content-encoding'], gzipped.headers['content-encoding'], brotli.headers['content-encoding']]).toEqual([undefined, 'gzip', 'br']);
      expect(gunzipSync(gzipped.body)).toEqual(identity.body);
      expect(brotliDecompressSync(brotli.body)).toEqual(identity.body);
      for (const response of [identity, gzipped, brotli]) {
        expect(response.headers.vary).toMatch(/\bAccept-Encoding\b/);
        expect(response.headers['content-type']).toBe(identity.headers['content-type']);
        expect(response.headers['cache-control']).toBe(identity.headers['cache-control']);
        expect(Number(response.headers['content-length'])).toBe(response.body.length);
        expect(response.headers['content-security-policy']).toBe(identity.headers['content-security-policy']);
      }
      expect(gzipped.body.length).toBeLessThan(identity.body.length);
    }

    // The pictures are WebP already: their routes are not compressed.
    const image = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a mimic pretending to be a chest' }).expect(201)).body;
    for (const url of [image.urls.full, image.urls.thumbnail]) {
      const picture = await rawRequest(t.server, url, { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
      expect(picture.status).toBe(200);
      expect(picture.headers['content-type']).toBe('image/webp');
      expect(picture.headers['content-encoding']).toBeUndefined();
    }
  });
});
