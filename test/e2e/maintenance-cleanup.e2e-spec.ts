import { randomUUID } from 'node:crypto';
import { stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 86_400_000;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { CACHE_EXPIRY_DAYS: '7', IMAGE_PURGE_AFTER_DAYS: '7' } });
});
afterAll(() => t.close());

const scene = async (description: string) =>
  (await request(t.server).post('/api/v2/scenes/generate').send({ description }).expect(200)).body as { image: ImageDto };
const image = async (prompt: string) => (await request(t.server).post('/api/v2/images/generate').send({ prompt }).expect(201)).body as ImageDto;
const fileOf = (id: string, variant: 'full' | 'thumbnail') => join(t.config.storage.dir, variant === 'full' ? 'full' : 'thumbnails', `${id}.webp`);
const bytesOf = async (id: string) => (await stat(fileOf(id, 'full'))).size + (await stat(fileOf(id, 'thumbnail'))).size;

describe('POST /maintenance/cleanup/expired-cache', () => {
  it('removes expired entries and the images only they used, keeping featured ones', async () => {
    const old = await scene('an old forgotten shrine');
    const oldFeatured = await scene('an old but beloved shrine');
    await request(t.server).put(`/api/v2/images/${oldFeatured.image.id}/feature`).send({ featured: true }).expect(200);
    const freedExpected = await bytesOf(old.image.id);
    t.clock.advance(7 * DAY_MS);
    await scene('a fresh shrine');

    const response = await request(t.server).post('/api/v2/maintenance/cleanup/expired-cache').expect(200);
    expect(response.body).toEqual({ deletedEntries: 2, deletedImages: 1, freedBytes: freedExpected, deletedJobs: 0 });

    await request(t.server).get(`/api/v2/images/${old.image.id}`).expect(404);
    await expect(stat(fileOf(old.image.id, 'full'))).rejects.toThrow();
    await request(t.server).get(`/api/v2/images/${oldFeatured.image.id}`).expect(200);
    const stats = (await request(t.server).get('/api/v2/scenes/cache/stats')).body;
    expect(stats).toMatchObject({ entries: 1, expiredEntries: 0 });
    await request(t.server).post('/api/v2/scenes/generate').send({ description: 'a fresh shrine' }).expect(200).expect('X-Cache', 'HIT');

    // A day later the two old scenes' job records are past JOB_RETENTION_DAYS (7); the fresh one's is not.
    t.clock.advance(DAY_MS);
    const again = await request(t.server).post('/api/v2/maintenance/cleanup/expired-cache').expect(200);
    expect(again.body).toEqual({ deletedEntries: 0, deletedImages: 0, freedBytes: 0, deletedJobs: 2 });
  });
});

describe('POST /maintenance/cleanup/orphaned-images', () => {
  it('reports on a dry run, then purges old deletions, settled orphan and temp files, and reports missing files', async () => {
    const longDeleted = await image('deleted long ago');
    await request(t.server).delete(`/api/v2/images/${longDeleted.id}`).expect(204);
    const purgeBytes = await bytesOf(longDeleted.id);
    t.clock.advance(7 * DAY_MS);
    const recentlyDeleted = await image('deleted just now');
    await request(t.server).delete(`/api/v2/images/${recentlyDeleted.id}`).expect(204);
    const missing = await image('its thumbnail vanished');
    await unlink(fileOf(missing.id, 'thumbnail'));

    const now = t.clock.now().getTime();
    const put = async (name: string, ageMs: number, dir = 'full') => {
      const path = join(t.config.storage.dir, dir, name);
      await writeFile(path, Buffer.alloc(100));
      const when = new Date(now - ageMs);
      await utimes(path, when, when);
      return path;
    };
    // Files of images with rows are as old as the orphans: only the missing row may decide.
    const settle = async (path: string) => {
      const when = new Date(now - 2 * 3_600_000);
      await utimes(path, when, when);
    };
    for (const id of [recentlyDeleted.id, missing.id]) await settle(fileOf(id, 'full'));
    await settle(fileOf(recentlyDeleted.id, 'thumbnail'));
    const orphan = await put(`${randomUUID()}.webp`, 2 * 3_600_000, 'thumbnails');
    const staleTemp = await put(`${randomUUID()}.webp.0123456789ab.tmp`, 2 * 3_600_000);
    const freshOrphan = await put(`${randomUUID()}.webp`, 10 * 60_000);
    const freshTemp = await put(`${randomUUID()}.webp.ba9876543210.tmp`, 10 * 60_000);
    const foreign = await put('notes.txt', 10 * DAY_MS);

    const dry = await request(t.server).post('/api/v2/maintenance/cleanup/orphaned-images').query({ dryRun: true }).expect(200);
    const expected = {
      deletedImages: 1,
      deletedFiles: 2,
      freedBytes: purgeBytes + 200,
      missingFiles: [{ imageId: missing.id, variant: 'thumbnail' }],
    };
    expect(dry.body).toEqual({ dryRun: true, ...expected });
    for (const path of [orphan, staleTemp, fileOf(longDeleted.id, 'full')]) await stat(path); // nothing removed

    const real = await request(t.server).post('/api/v2/maintenance/cleanup/orphaned-images').expect(200);
    expect(real.body).toEqual({ dryRun: false, ...expected });

    for (const path of [orphan, staleTemp, fileOf(longDeleted.id, 'full'), fileOf(longDeleted.id, 'thumbnail')]) {
      await expect(stat(path)).rejects.toThrow();
    }
    for (const path of [freshOrphan, freshTemp, foreign, fileOf(recentlyDeleted.id, 'full'), fileOf(missing.id, 'full')]) await stat(path);
    const rows = t.dataSource.getRepository(ImageEntity);
    expect(await rows.findOne({ where: { id: longDeleted.id }, withDeleted: true })).toBeNull();
    expect(await rows.findOneBy({ id: missing.id })).not.toBeNull();
  });

  it('rejects a dryRun that is not a boolean', async () => {
    const response = await request(t.server).post('/api/v2/maintenance/cleanup/orphaned-images').query({ dryRun: 'maybe' }).expect(400);
    expect(response.body.message).toContain('dryRun must be true or false');
  });
});

describe('GET /maintenance/stats', () => {
  it('adds up images, cache, storage, database and backups', async () => {
    await request(t.server).post('/api/v2/maintenance/backup').expect(201);
    const stats = (await request(t.server).get('/api/v2/maintenance/stats').expect(200)).body;
    // Portable SQL; PostgreSQL answers counts and sums as text.
    const [sums] = await t.dataSource.query(
      `SELECT COUNT(*) AS "total", SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END) AS "active",
              SUM(CASE WHEN featured THEN 1 ELSE 0 END) AS "featured", SUM(size_bytes) AS "fullBytes" FROM images`,
    );
    const [total, active, featured, fullBytes] = [sums.total, sums.active, sums.featured, sums.fullBytes].map(Number);
    expect(stats.images).toEqual({ total, active, deleted: total - active, featured });
    expect(stats.cache).toMatchObject({ entries: expect.any(Number), hits: expect.any(Number), expiryDays: 7 });
    expect(stats.storage).toMatchObject({ files: total, fullBytes });
    expect(stats.database.driver).toBe(t.config.database.driver);
    expect(stats.database.sizeBytes).toBeGreaterThan(0);
    const backups = (await request(t.server).get('/api/v2/maintenance/backups').expect(200)).body;
    expect(stats.backups).toEqual({ count: 1, latestAt: backups[0].createdAt, latestBytes: backups[0].sizeBytes });
    // Uptime is read from the service's clock, like every other time.
    t.clock.advance(90_000);
    const later = (await request(t.server).get('/api/v2/maintenance/stats').expect(200)).body;
    expect(later.uptimeSeconds - stats.uptimeSeconds).toBe(90);
  });
});
