import { GetObjectCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { runCli } from '../../src/cli/cli.js';
import { captureCliOutput } from '../support/cli-output.js';
import { describeWithS3 } from '../support/s3.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 86_400_000;

describeWithS3('BACKUP_TARGET=s3: backups kept in the bucket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ storage: 's3', database: 'sqlite', env: { BACKUP_TARGET: 's3' } });
  });
  afterAll(() => t.close());

  const backupKeys = async () => (await t.bucket!.keys()).filter((key) => key.startsWith('images/backups/'));
  const objectBytes = async (key: string) =>
    Buffer.from(await (await t.bucket!.client.send(new GetObjectCommand({ Bucket: t.bucket!.settings.bucket, Key: key }))).Body!.transformToByteArray());
  const localFiles = async () => readdir(t.config.backup.dir).catch(() => []);

  it('puts a verified backup in the bucket, leaves none in BACKUP_DIR, and lists it from there', async () => {
    for (const prompt of ['a red door', 'a blue door']) await request(t.server).post('/api/v2/images/generate').send({ prompt }).expect(201);
    const taken = await request(t.server).post('/api/v2/maintenance/backup').expect(201);
    expect(await backupKeys()).toEqual([`images/backups/${taken.body.file}`]);
    expect(await localFiles()).toEqual([]);

    const listed = await request(t.server).get('/api/v2/maintenance/backups').expect(200);
    const archive = await objectBytes(`images/backups/${taken.body.file}`);
    expect(listed.body).toEqual([{ file: taken.body.file, sizeBytes: archive.length, createdAt: taken.body.createdAt }]);
    // What is in the bucket is a whole database of this service.
    const copy = join(t.dir, 'from-bucket.db');
    await writeFile(copy, gunzipSync(archive));
    const db = new Database(copy, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('applies BACKUP_RETENTION_DAYS in the bucket', async () => {
    const [old] = await backupKeys();
    t.clock.advance(31 * DAY_MS);
    const taken = await request(t.server).post('/api/v2/maintenance/backup').expect(201);
    expect(await backupKeys()).toEqual([`images/backups/${taken.body.file}`]);
    expect(old).not.toBe(`images/backups/${taken.body.file}`);
  });

  it('restores from the bucket by name with npm run restore, fetching it first and keeping no copy', async () => {
    const [key] = await backupKeys();
    const file = key.slice('images/backups/'.length);
    const target = join(t.dir, 'restored.db');
    const env = { ...t.bucket!.env, STORAGE_DRIVER: 'fs', BACKUP_TARGET: 's3', BACKUP_DIR: t.config.backup.dir, DATABASE_URL: `sqlite:///${target}` };
    const { lines, output } = captureCliOutput();
    expect(await runCli(['restore', file], env, output)).toBe(0);
    expect(lines).toEqual([`out: Restored ${target} from s3://${t.bucket!.settings.bucket}/images/backups/${file}`]);
    const db = new Database(target, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM images').get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
    expect(await localFiles()).toEqual([]);
  });
});
