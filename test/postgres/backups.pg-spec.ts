import { Logger } from '@nestjs/common';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { runCli } from '../../src/cli/cli.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { BACKUP_NAME_PATTERN } from '../../src/maintenance/backup/backup-names.js';
import { BackupService } from '../../src/maintenance/backup/backup.service.js';
import { PostgresTools } from '../../src/maintenance/backup/postgres-tools.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { captureCliOutput } from '../support/cli-output.js';

// PostgreSQL's backups (pg_dump) and restore; SQLite's are in test/e2e/backups.e2e-spec.ts.
let t: TestApp;
/** The app's database. */
let appUrl: string;
/** Another database on the same server, to restore into. */
let other: TestDatabase;
let backupDir: string;
/** The app's first backup, taken while it held two images. */
let backupFile: string;

beforeAll(async () => {
  t = await createTestApp({ database: 'postgres', env: { BACKUP_RETENTION_DAYS: '30' } });
  if (t.config.database.driver !== 'postgres') throw new Error('expected an app on PostgreSQL');
  appUrl = t.config.database.url;
  backupDir = t.config.backup.dir;
  other = await createTestDatabase();
});
afterAll(async () => {
  await t.close();
  await other.drop();
});

const generate = (prompt: string) => request(t.server).post('/api/v2/images/generate').send({ prompt }).expect(201);
const idsIn = async (dataSource: DataSource) => (await dataSource.getRepository(ImageEntity).find({ order: { id: 'ASC' }, withDeleted: true })).map((image) => image.id);
const capture = captureCliOutput;

/** Runs `work` against a fresh connection to `url`. */
async function withDatabase<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await new DataSource(buildDataSourceOptions({ driver: 'postgres', url })).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

describe('POST /api/v2/maintenance/backup on PostgreSQL', () => {
  it('writes a pg_dump custom-format archive that pg_restore can read, named and listed like any backup', async () => {
    await generate('a vampire lord in his crypt');
    await generate('a gnome tinkerer');
    const response = await request(t.server).post('/api/v2/maintenance/backup').expect(201);

    expect(response.body).toEqual({ file: 'dnd_game_20260101_000000.pgdump', sizeBytes: expect.any(Number), createdAt: '2026-01-01T00:00:00.000Z' });
    expect(response.body.file).toMatch(BACKUP_NAME_PATTERN);
    backupFile = response.body.file;
    const path = join(backupDir, backupFile);
    expect((await readFile(path)).subarray(0, 5).toString('latin1')).toBe('PGDMP');
    expect(await new PostgresTools().contents(path)).toMatch(/TABLE public images /);
    expect(await readdir(backupDir)).toEqual([response.body.file]); // no temp file left

    await request(t.server).get('/api/v2/maintenance/backups').expect(200).expect([response.body]);
    const stats = (await request(t.server).get('/api/v2/maintenance/stats').expect(200)).body;
    expect(stats.backups).toEqual({ count: 1, latestAt: response.body.createdAt, latestBytes: response.body.sizeBytes });
    expect(stats.database).toEqual({ driver: 'postgres', sizeBytes: expect.any(Number) });
    expect(stats.database.sizeBytes).toBeGreaterThan(1_000_000);
  });
});

describe('npm run restore on PostgreSQL', () => {
  const env = (url: string) => ({ DATABASE_URL: url, BACKUP_DIR: backupDir });

  it('restores a backup into another, empty database: the same rows', async () => {
    const { lines, output } = capture();
    expect(await runCli(['restore', backupFile], env(other.url), output)).toBe(0);
    expect(lines).toEqual([`out: Restored ${other.url} from ${join(backupDir, backupFile)}`]); // an empty database needs no restore point

    const expected = await idsIn(t.dataSource);
    expect(expected).toHaveLength(2);
    expect(await withDatabase(other.url, idsIn)).toEqual(expected);
  });

  it('restores over a database with data: a restore point first, then the backup’s rows and nothing else', async () => {
    const before = await idsIn(t.dataSource);
    const added = await withDatabase(other.url, async (dataSource) => {
      const images = dataSource.getRepository(ImageEntity);
      const [first] = await images.find({ take: 1 });
      await images.insert({ ...first, id: '00000000-0000-4000-8000-000000000001', number: 1_000_001, createdAt: new Date('2026-02-01T00:00:00Z') });
      return idsIn(dataSource);
    });
    expect(added).toHaveLength(3);

    const { lines, output } = capture();
    expect(await runCli(['restore', join(backupDir, backupFile)], env(other.url), output)).toBe(0);
    expect(lines[0]).toMatch(/^out: Restore point: .*\/dnd_game_\d{8}_\d{6}(_\d+)?\.pgdump \(\d+ bytes\)$/);
    expect(await withDatabase(other.url, idsIn)).toEqual(before);

    // The restore point holds the replaced data: restored, the added row is back.
    const restorePoint = /Restore point: (\S+)/.exec(lines[0])![1];
    expect(await runCli(['restore', restorePoint, '--without-restore-point'], env(other.url), capture().output)).toBe(0);
    expect(await withDatabase(other.url, idsIn)).toEqual(added);
  });

  it('refuses while a server of this service is connected, and archives that are not pg_dump ones', async () => {
    const { lines, output } = capture();
    expect(await runCli(['restore', backupFile], env(appUrl), output)).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^err: Restore refused: \d+ connection\(s\) of a running server use the database; stop every replica of the service first\. The current database was not changed\.$/),
    ]);

    const notADump = join(t.dir, 'dnd_game_20260101_000000.db.gz');
    await writeFile(notADump, Buffer.from([0x1f, 0x8b, 0, 0]));
    const refused = capture();
    expect(await runCli(['restore', notADump], env(other.url), refused.output)).toBe(1);
    expect(refused.lines[0]).toContain('is not a pg_dump archive (PostgreSQL backups of this service end in .pgdump)');
  });
});

describe('without pg_dump on the PATH', () => {
  let emptyDir: string;
  let path: string | undefined;
  beforeAll(async () => {
    emptyDir = await mkdtemp(join(tmpdir(), 'dnd-no-pg-dump-'));
    path = process.env.PATH;
    process.env.PATH = emptyDir;
  });
  afterAll(async () => {
    process.env.PATH = path;
    await rm(emptyDir, { recursive: true, force: true });
  });

  it('answers 501 saying that the database’s own backups apply, and writes nothing', async () => {
    const before = await readdir(backupDir);
    const response = await request(t.server).post('/api/v2/maintenance/backup').expect(501);
    expect(response.body).toEqual({
      statusCode: 501,
      error: 'Not Implemented',
      message:
        "Backups are not available here: pg_dump is not installed; rely on your PostgreSQL server's own backups (pg_dump/pg_basebackup/managed snapshots), or install the PostgreSQL client tools",
    });
    expect(await readdir(backupDir)).toEqual(before);
    expect((await request(t.server).get('/metrics').expect(200)).text).not.toMatch(/backups_total\{outcome="failure"\}/);
  });

  it('keeps health up, saying why there are no backups', async () => {
    const health = (await request(t.server).get('/health').expect(200)).body;
    expect(health.status).toBe('ok');
    expect(health.details.backup).toMatchObject({ status: 'up', message: expect.stringContaining('pg_dump is not installed') });
  });

  it('skips scheduled backups without failing them, saying why once', async () => {
    const warnings: string[] = [];
    Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (message: unknown) => warnings.push(String(message)) });
    const service = t.app.get(BackupService);
    for (let run = 0; run < 2; run++) expect(await service.scheduledBackup()).toEqual({ skipped: expect.stringContaining('pg_dump is not installed') });
    expect(warnings).toEqual([expect.stringMatching(/^Scheduled backups are skipped: pg_dump is not installed; /)]);
  });

  it('makes `npm run backup` say so', async () => {
    const { lines, output } = capture();
    expect(await runCli(['backup'], { DATABASE_URL: appUrl, BACKUP_DIR: backupDir }, output)).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^err: Backup failed: Backups are not available here: pg_dump is not installed; /)]);
  });
});
