import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { runCli } from '../../src/cli/cli.js';
import { BackupFiles } from '../../src/maintenance/backup/backup-files.js';
import { S3BackupShelf } from '../../src/maintenance/backup/s3-backup-shelf.js';
import { s3ClientFor } from '../../src/storage/s3-bucket.js';
import { captureCliOutput } from '../support/cli-output.js';
import { createTestBucket, describeWithS3, type TestBucket } from '../support/s3.js';
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

describeWithS3('S3BackupShelf when a download breaks off', () => {
  let bucket: TestBucket;
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    bucket = await createTestBucket('shelf/');
    dir = await mkdtemp(join(tmpdir(), 'dnd-shelf-test-'));
    archive = join(dir, 'archive.gz');
    await writeFile(archive, randomBytes(256 * 1024));
  });
  afterAll(async () => {
    await bucket.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The bucket's own client, whose downloads break off after their first bytes, as a cut connection does. */
  function clientWithBrokenDownloads() {
    const client = s3ClientFor(bucket.settings);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const answer = await next(args);
        if (context.commandName === 'GetObjectCommand') {
          const body = (answer.output as { Body: Readable }).Body;
          (answer.output as { Body: Readable }).Body = Readable.from(
            (async function* () {
              for await (const chunk of body) {
                yield chunk as Buffer;
                throw new Error('ECONNRESET: the connection was cut');
              }
            })(),
          );
        }
        return answer;
      },
      { step: 'initialize', name: 'breakDownloads' },
    );
    return client;
  }

  it('removes a backup it could not read back, so none is listed unchecked', async () => {
    const shelf = new S3BackupShelf(bucket.settings, new BackupFiles(), clientWithBrokenDownloads());
    await expect(shelf.putIfAbsent(archive, 'backup-a.db.gz')).rejects.toThrow(/could not be read back .*ECONNRESET.*removed again/);
    expect(await bucket.keys()).toEqual([]);
  });

  it('leaves no part of a backup in the folder when its download breaks off', async () => {
    expect(await new S3BackupShelf(bucket.settings, new BackupFiles()).putIfAbsent(archive, 'backup-b.db.gz')).toBe(true);
    const restoreDir = join(dir, 'restore');
    await expect(new S3BackupShelf(bucket.settings, new BackupFiles(), clientWithBrokenDownloads()).fetch('backup-b.db.gz', restoreDir, 'fetched.db.gz')).rejects.toThrow(/ECONNRESET/);
    expect(await readdir(restoreDir)).toEqual([]);
  });

  /** The bucket's own client, with conditional PUTs answered as another store would: `status` and its S3 error. */
  function clientAnsweringConditionalPuts(status: 412 | 501) {
    const client = s3ClientFor(bucket.settings);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand' && (args.input as { IfNoneMatch?: string }).IfNoneMatch) {
          const name = status === 412 ? 'PreconditionFailed' : 'NotImplemented';
          throw new S3ServiceException({ name, $fault: status === 412 ? 'client' : 'server', $metadata: { httpStatusCode: status }, message: name });
        }
        return next(args);
      },
      { step: 'initialize', name: 'conditionalPuts' },
    );
    return client;
  }

  it('keeps a name another process took between its look and its put (412), and puts plainly where conditional writes are not implemented (501)', async () => {
    const raced = new S3BackupShelf(bucket.settings, new BackupFiles(), clientAnsweringConditionalPuts(412));
    expect(await raced.putIfAbsent(archive, 'backup-c.db.gz')).toBe(false);
    expect(await bucket.keys()).not.toContain('shelf/backups/backup-c.db.gz');

    const older = new S3BackupShelf(bucket.settings, new BackupFiles(), clientAnsweringConditionalPuts(501));
    expect(await older.putIfAbsent(archive, 'backup-d.db.gz')).toBe(true);
    expect(await bucket.keys()).toContain('shelf/backups/backup-d.db.gz');
  });

  it('tells a missing bucket from a missing backup', async () => {
    const shelf = new S3BackupShelf(bucket.settings, new BackupFiles());
    await expect(shelf.fetch('backup-none.db.gz', dir, 'none.db.gz')).resolves.toBeNull();
    const elsewhere = new S3BackupShelf({ ...bucket.settings, bucket: 'no-such-bucket-here' }, new BackupFiles());
    await expect(elsewhere.fetch('backup-b.db.gz', dir, 'none.db.gz')).rejects.toThrow(/bucket/i);
  });
});
