import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { IN_FLIGHT_GRACE_MS } from '../../src/maintenance/maintenance.service.js';
import { ImageStore, type StoredObject } from '../../src/storage/image-store.js';
import { S3ImageStore } from '../../src/storage/s3-image-store.js';
import { heldProvider } from '../support/held-provider.js';
import { getBytes } from '../support/http.js';
import { createTestBucket, describeWithS3, type TestBucket } from '../support/s3.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const bodyOf = async (bucket: TestBucket, key: string) =>
  Buffer.from(await (await bucket.client.send(new GetObjectCommand({ Bucket: bucket.settings.bucket, Key: key }))).Body!.transformToByteArray());

describeWithS3('S3ImageStore against a real S3 server (s3rver)', () => {
  let bucket: TestBucket;
  let store: S3ImageStore;
  beforeAll(async () => {
    bucket = await createTestBucket('table-7/');
    store = new S3ImageStore(bucket.settings, undefined, 2);
  });
  afterAll(async () => {
    await store.close();
    await bucket.drop();
  });

  it('writes under the prefix, reads back, answers null for a missing file, and removes (twice is fine)', async () => {
    const id = randomUUID();
    await store.write(id, 'full', Buffer.from('full bytes'));
    expect(await bucket.keys()).toEqual([`table-7/full/${id}.webp`]);
    expect((await store.read(id, 'full'))?.toString()).toBe('full bytes');
    expect(await store.read(id, 'thumbnail')).toBeNull();
    await store.remove(id, 'full');
    await store.remove(id, 'full');
    expect(await bucket.keys()).toEqual([]);
  });

  it('lists page by page, only its own names, and removes what a listing found', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await store.write(id, 'thumbnail', Buffer.from(id));
    // Beside the images: a key of no image, and another prefix's (a backup) that is not the store's at all.
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.settings.bucket, Key: 'table-7/full/notes.txt', Body: 'x' }));
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.settings.bucket, Key: 'backups/db.gz', Body: 'x' }));
    const pages: StoredObject[][] = [];
    for await (const page of store.list()) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([2, 2]);
    const listed = pages.flat();
    expect(listed.map((object) => object.imageId).sort()).toEqual([null, ...ids].sort());
    expect(listed.find((object) => object.imageId === ids[0])).toMatchObject({ name: `thumbnails/${ids[0]}.webp`, variant: 'thumbnail', partial: false, sizeBytes: 36 });
    await store.removeListed(listed.find((object) => object.imageId === null)!);
    expect(await bucket.keys()).not.toContain('table-7/full/notes.txt');
  });

  it('proves the bucket writable, and says why when it is not', async () => {
    await expect(store.probe()).resolves.toBeUndefined();
    expect((await bucket.keys()).filter((key) => key.includes('.probe'))).toEqual([]);
    const missing = new S3ImageStore({ ...bucket.settings, bucket: 'no-such-bucket-here' });
    await expect(missing.probe()).rejects.toThrow(/bucket/i);
    // A missing bucket is a fault of the setup, not an image whose file is missing.
    await expect(missing.read(randomUUID(), 'full')).rejects.toThrow(/bucket/i);
    await missing.close();
  });
});

describeWithS3('the service with STORAGE_DRIVER=s3', () => {
  let t: TestApp;
  let bucket: TestBucket;
  beforeAll(async () => {
    t = await createTestApp({ storage: 's3' });
    bucket = t.bucket!;
  });
  afterAll(() => t.close());

  const generate = async (prompt: string) => (await request(t.server).post('/api/v2/images/generate').send({ prompt }).expect(201)).body as ImageDto;

  it('keeps both files in the bucket, none on disk, and serves the bucket’s bytes', async () => {
    const image = await generate('a lighthouse on a storm coast');
    expect(await bucket.keys()).toEqual([`images/full/${image.id}.webp`, `images/thumbnails/${image.id}.webp`]);
    expect(existsSync(t.config.storage.dir)).toBe(false);
    const served = await getBytes(t.server, image.urls.full);
    expect(served.body.equals(await bodyOf(bucket, `images/full/${image.id}.webp`))).toBe(true);
  });

  it('reports the bucket in readiness and health, with its latency', async () => {
    const ready = await request(t.server).get('/health/ready').expect(200);
    expect(ready.body.details.storage).toEqual({ status: 'up', driver: 's3', location: `s3://${bucket.settings.bucket}/images/`, latencyMs: expect.any(Number) });
    const health = await request(t.server).get('/health').expect(200);
    expect(health.body.details.storage.status).toBe('up');
  });

  it('cleans orphans out of the bucket after the in-flight grace, with a dry run first, and reports missing files without dropping rows', async () => {
    const kept = await generate('a tavern sign, swinging');
    const lost = await generate('a map with a torn corner');
    await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.settings.bucket, Key: `images/thumbnails/${lost.id}.webp` }));
    const orphan = `images/full/${randomUUID()}.webp`;
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.settings.bucket, Key: orphan, Body: Buffer.alloc(100) }));
    // The bucket dates its objects by the real clock: the app's is moved past them and the grace.
    t.clock.advance(Date.now() + IN_FLIGHT_GRACE_MS + 60_000 - t.clock.now().getTime());

    const dry = await request(t.server).post('/api/v2/maintenance/cleanup/orphaned-images').query({ dryRun: true }).expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, deletedFiles: 1, freedBytes: 100, missingFiles: [{ imageId: lost.id, variant: 'thumbnail' }] });
    expect(await bucket.keys()).toContain(orphan);

    const real = await request(t.server).post('/api/v2/maintenance/cleanup/orphaned-images').expect(200);
    expect(real.body).toMatchObject({ dryRun: false, deletedFiles: 1, missingFiles: [{ imageId: lost.id, variant: 'thumbnail' }] });
    expect(await bucket.keys()).not.toContain(orphan);
    expect(await bucket.keys()).toContain(`images/full/${kept.id}.webp`);
    await request(t.server).get(`/api/v2/images/${lost.id}`).expect(200); // reported, never dropped
  });

  it('is not ready while its bucket cannot be written', async () => {
    const broken = await createTestApp({ storage: 's3', env: { S3_BUCKET: 'no-such-bucket-here' } });
    try {
      const ready = await request(broken.server).get('/health/ready').expect(503);
      expect(ready.body.details.storage).toMatchObject({ status: 'down', driver: 's3', message: expect.stringMatching(/^The bucket cannot be written: /) });
    } finally {
      await broken.close();
    }
  });
});

describeWithS3('S3_SERVE=redirect', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ storage: 's3', env: { S3_SERVE: 'redirect' } });
  });
  afterAll(() => t.close());

  it('answers a file route with a 302 to a presigned URL that serves the bytes with the same immutable caching', async () => {
    const image = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a wyvern over the marsh' }).expect(201)).body as ImageDto;
    for (const variant of ['full', 'thumbnail'] as const) {
      const redirect = await request(t.server).get(image.urls[variant]).expect(302);
      expect(redirect.headers['cache-control']).toBe('private, max-age=300');
      const location = new URL(redirect.headers.location);
      expect(location.origin).toBe(t.app.get(ImageStore).temporaryUrlOrigin);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('900');
      const fetched = await fetch(location);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe('image/webp');
      expect(fetched.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const bytes = Buffer.from(await fetched.arrayBuffer());
      expect(bytes.equals((await t.app.get(ImageStore).read(image.id, variant))!)).toBe(true);
      // Signed with the bucket's key (s3rver does not check query signatures, so only their presence is seen here).
      expect(location.searchParams.get('X-Amz-Credential')).toMatch(/^S3RVER\//);
      expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('answers 304 itself to a client whose copy is current, 404 for an image that is gone, and lets the page load pictures from the bucket', async () => {
    const image = (await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a lantern in fog' }).expect(201)).body as ImageDto;
    const first = await request(t.server).get(image.urls.full).expect(302);
    await request(t.server).get(image.urls.full).set('If-None-Match', first.headers.etag).expect(304);
    expect(first.headers.etag).toBe(`"${image.contentHash}"`);
    await request(t.server).delete(`/api/v2/images/${image.id}`).expect(204);
    await request(t.server).get(image.urls.full).expect(404);
    const page = await request(t.server).get('/').expect(200);
    expect(page.headers['content-security-policy']).toContain(`img-src 'self' data: ${t.app.get(ImageStore).temporaryUrlOrigin}`);
  });
});

describeWithS3('shutting down with STORAGE_DRIVER=s3', () => {
  it('lets a job still running store its picture in the bucket before the store closes', async () => {
    const held = heldProvider();
    const t = await createTestApp({ storage: 's3', customize: held.install });
    try {
      const job = (await request(t.server).post('/api/v2/images/generate').set('Prefer', 'respond-async').send({ prompt: 'a last ferry at dusk' }).expect(202)).body as { id: string };
      await held.asked;
      // Gemini answers once shutdown has closed the HTTP server: every earlier hook has run by then.
      t.server.once('close', held.answer);
      await t.app.close();

      const db = await t.connectAgain();
      try {
        const [row] = (await db.query('SELECT status, image_id AS "imageId" FROM generation_jobs WHERE id = ?', [job.id])) as Array<{ status: string; imageId: string }>;
        expect(row.status).toBe('succeeded');
        expect(await t.bucket!.keys()).toEqual([`images/full/${row.imageId}.webp`, `images/thumbnails/${row.imageId}.webp`]);
      } finally {
        await db.destroy();
      }
    } finally {
      await t.close();
    }
  });
});
