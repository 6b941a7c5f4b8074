import type { Server } from 'node:http';
import { connect } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Whoever can reach the port must not be able to stall the service, act as admin, or make it
 * spend without bound (issue 12). Each test here fails without its fix.
 */

/** Raw HTTP over a socket: what supertest cannot do (a body never finished, HTTP/1.0). */
async function rawRequest(server: Server, head: string, body = ''): Promise<{ status: number; headers: string; complete: string }> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head + body));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = received.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
      if (received.length - end - 4 < length) return;
      socket.destroy();
      resolve({ status: Number(headers.split(' ')[1]), headers, complete: received });
    });
    socket.on('error', reject);
  });
}

/** A PNG whose header says `width`×`height`, with a first scrap of pixels: cheap to send, costly if decoded. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(4096))), chunk('IEND', Buffer.alloc(0))]);
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('with ADMIN_API_KEY set', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_API_KEY: 'the-key', HTTP_HEADERS_TIMEOUT_MS: '7000', HTTP_REQUEST_TIMEOUT_MS: '45000' } });
  });
  afterAll(() => t.close());

  it.each(['/api/v2/migrate/from-localstorage', '/api/v1/migrate/from-localstorage'])(
    '%s answers a caller without the key before reading its 12 MB body, and closes the connection',
    async (path) => {
      // Only the headers and a first kilobyte are ever sent: the answer must not wait for the rest.
      const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${12 * 1024 * 1024}\r\n\r\n`;
      const answer = await rawRequest(t.server, head, nested(512));
      expect(answer.status).toBe(401);
      expect(answer.headers).toMatch(/connection: close/i);
    },
  );

  it('parses an admin’s import body with the nesting limit too', async () => {
    const response = await request(t.server)
      .post('/api/v2/migrate/from-localstorage')
      .set('Authorization', 'Bearer the-key')
      .set('Content-Type', 'application/json')
      .send(`{"localStorage":{"k":${nested(3000)}}}`)
      .expect(400);
    expect(response.body.message).toMatch(/nests deeper than 32 levels/);
  });

  it('sets the server’s header and request timeouts, so a slow client cannot hold a socket for minutes', () => {
    const server = t.server as Server;
    expect(server.headersTimeout).toBe(7000);
    expect(server.requestTimeout).toBe(45000);
  });
});

describe('without ADMIN_API_KEY (admin open to this machine only)', () => {
  let t: TestApp;
  let imageId: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { JOBS_ENABLED: 'true' } });
    imageId = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a mimic chest' }).expect(201)).body.id;
  });
  afterAll(() => t.close());

  describe('deeply nested JSON is a 400 before validation, on every route', () => {
    const body = `{"prompt":"abcd","description":"abcd","style":${nested(3000)}}`;
    it.each([
      ['POST', '/api/v2/images/generate'],
      ['POST', '/api/v2/scenes/generate'],
      ['PUT', '/api/v2/images/{id}/feature'],
      ['POST', '/api/v1/images/generate'],
    ])('%s %s', async (method, path) => {
      const call = method === 'PUT' ? request(t.server).put(path.replace('{id}', imageId)) : request(t.server).post(path);
      const response = await call.set('Content-Type', 'application/json').send(body).expect(400);
      expect(JSON.stringify(response.body)).toMatch(/nests deeper than 32 levels/);
    });
  });

  it('refuses control characters in text on both versions (a NUL once crashed the local provider’s caption)', async () => {
    const v2 = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a goblin\u0000 with a lantern' }).expect(400);
    expect(v2.body.message).toEqual(['prompt must not contain control characters']);
    const v1 = await request(t.server).post('/api/v1/scenes/generate').query({ location: 'Ember\u0000peak' }).expect(422);
    expect(v1.body.detail).toEqual([expect.objectContaining({ loc: ['query', 'location'], msg: 'location must not contain control characters' })]);
    await request(t.server).get('/api/v2/images/search').query({ itemId: 'npc\u0001' }).expect(400);
  });

  it.each(['X-Forwarded-For', 'X-Real-IP', 'X-Client-IP', 'True-Client-IP', 'CF-Connecting-IP', 'Forwarded', 'Via', 'X-Forwarded-Host'])(
    'refuses admin to a loopback request carrying %s (a proxy on this machine, or a forgery)',
    async (header) => {
      const response = await request(t.server).get('/api/v2/maintenance/stats').set(header, '203.0.113.7').expect(403);
      expect(response.body.message).toMatch(/relayed/);
    },
  );

  it('refuses admin to HTTP/1.0, what nginx’s plain proxy_pass speaks', async () => {
    const answer = await rawRequest(t.server, 'GET /api/v2/maintenance/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    expect(answer.status).toBe(403);
    expect(answer.complete).toMatch(/HTTP\/1\.0/);
  });

  it('refuses admin to a Host that is not this machine (DNS rebinding)', async () => {
    const response = await request(t.server).get('/api/v2/maintenance/stats').set('Host', 'evil.com').expect(403);
    expect(response.body.message).toMatch(/addressed to "evil.com"/);
  });

  it.each([
    ['POST', '/api/v2/maintenance/backup'],
    ['POST', '/api/v2/maintenance/jobs/backup/run'],
    ['POST', '/api/v2/maintenance/cleanup/orphaned-images'],
    ['DELETE', '/api/v2/scenes/cache/clear'],
    ['POST', '/api/v1/maintenance/cleanup/expired-cache'],
  ])('refuses a cross-site %s %s, and lets the game’s own origin do it', async (method, path) => {
    const call = () => (method === 'DELETE' ? request(t.server).delete(path) : request(t.server).post(path));
    const crossSite = await call()
      .set('Origin', 'https://evil.example')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(403);
    expect(crossSite.body.message ?? crossSite.body.detail.message).toMatch(/https:\/\/evil.example/);
    await call().set('Sec-Fetch-Site', 'cross-site').expect(403);
    const fromTheGame = await call().set('Origin', 'http://localhost:8080').set('Sec-Fetch-Site', 'same-site');
    expect(fromTheGame.status).toBeLessThan(400);
  });

  it('answers the same image whatever the case of its uuid, on every route and from the file cache or not', async () => {
    const upper = imageId.toUpperCase();
    for (let pass = 0; pass < 2; pass++) {
      // The second pass is served from the file cache (and its pre-Express fast path).
      expect((await request(t.server).get(`/api/v2/images/${upper}`).expect(200)).body.id).toBe(imageId);
      await request(t.server).get(`/api/v2/images/${upper}/full`).expect(200);
      await request(t.server).get(`/api/v2/images/${upper}/thumbnail`).expect(200);
    }
    expect((await request(t.server).put(`/api/v2/images/${upper}/feature`).send({ featured: true }).expect(200)).body).toMatchObject({ id: imageId, featured: true });
    await request(t.server).delete(`/api/v2/images/${upper}`).expect(204);
    await request(t.server).get(`/api/v2/images/${imageId}`).expect(404);
  });

  describe('imports judge a picture by its bytes and its header before decoding it', () => {
    const importOne = async (data: Buffer, label = 'image/png') => {
      const body = { images: [{ dataUrl: `data:${label};base64,${data.toString('base64')}`, itemId: 'hostile' }] };
      const report = (await request(t.server).post('/api/v2/migrate/from-localstorage').send(body).expect(200)).body;
      expect(report.imported.images).toBe(0);
      return report.failed[0]?.reason as string;
    };

    it.each([
      ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="5000" height="5000"><filter id="b"><feGaussianBlur stdDeviation="99"/></filter><rect width="5000" height="5000" filter="url(#b)"/></svg>')],
      ['a TIFF', () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).tiff().toBuffer()],
      ['an AVIF', () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).avif().toBuffer()],
    ])('refuses %s labelled image/png', async (_name, make) => {
      const data = typeof make === 'function' ? await make() : make;
      expect(await importOne(data)).toMatch(/not a PNG, JPEG, WebP or GIF image \(judged by its bytes/);
    });

    it('refuses a 6300×6300 PNG from its header, without decoding it', async () => {
      expect(await importOne(pngHeaderOnly(6300, 6300))).toMatch(/6300×6300, over the 16,777,216-pixel limit/);
    });

    it('refuses a 100000×399 PNG up front, naming WebP’s largest side', async () => {
      expect(await importOne(pngHeaderOnly(100_000, 399))).toMatch(/100000×399; each side may be at most 16383 pixels/);
    });
  });
});
