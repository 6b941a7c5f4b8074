import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { chmod, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { BACKUP_NAME_PATTERN } from '../../src/maintenance/backup/backup-names.js';
import { BackupFiles } from '../../src/maintenance/backup/backup-files.js';
import { restoreDatabase, RestoreRefusedError } from '../../src/maintenance/backup/restore.js';
import { SqliteFiles } from '../../src/maintenance/backup/sqlite-files.js';
import { serverPidPath } from '../../src/database/server-pid-file.js';
import { createTestApp, type ManualClock, type TestApp } from '../support/test-app.js';

let t: TestApp;
let server: TestApp['server'];
let dbPath: string;
let backupDir: string;
let clock: ManualClock;

beforeAll(async () => {
  // BACKUP_DIR sits under a parent that a test swaps for a regular file (so it cannot be created).
  // SQLite's backups and restore (PostgreSQL's are in test/postgres/backups.pg-spec.ts).
  t = await createTestApp({ database: 'sqlite', env: (dir) => ({ BACKUP_DIR: join(dir, 'store', 'backups'), BACKUP_RETENTION_DAYS: '30' }) });
  ({ server, clock } = t);
  dbPath = join(t.dir, 'test.db');
  backupDir = t.config.backup.dir;
});

afterAll(() => t.close());

const restoreOptions = () => ({ databasePath: dbPath, backup: { dir: backupDir, retentionDays: 30 }, clock, files: new BackupFiles(), sqlite: new SqliteFiles() });
const generate = (prompt: string) => request(server).post('/api/v2/images/generate').send({ prompt }).expect(201);
const metrics = async () => (await request(server).get('/metrics').expect(200)).text;

function imageIdsIn(gzipped: Buffer): string[] {
  const path = join(t.dir, `opened-${Math.random().toString(16).slice(2)}.db`);
  return withFile(path, gunzipSync(gzipped), () => {
    const db = new Database(path);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      return (db.prepare('SELECT id FROM images ORDER BY id').all() as Array<{ id: string }>).map((row) => row.id);
    } finally {
      db.close();
    }
  });
}

function withFile<T>(path: string, bytes: Buffer, work: () => T): T {
  writeFileSync(path, bytes);
  try {
    return work();
  } finally {
    rmSync(path, { force: true });
  }
}

describe('POST /api/v2/maintenance/backup and GET /api/v2/maintenance/backups', () => {
  it('lists nothing before the first backup', async () => {
    await request(server).get('/api/v2/maintenance/backups').expect(200).expect([]);
  });

  // imageIdsIn checks the copy with PRAGMA integrity_check; the row-level guarantee under
  // concurrent writes is tested in test/integration/backup-service.spec.ts.
  it('takes a verified, gzipped backup holding the data, while images are being generated', async () => {
    const before = (await generate('a mimic pretending to be a chest')).body.id as string;
    const during = Array.from({ length: 4 }, (_, i) => generate(`a kobold with lantern number ${i}`));
    const response = await request(server).post('/api/v2/maintenance/backup').expect(201);
    await Promise.all(during);

    expect(response.body).toEqual({ file: 'dnd_game_20260101_000000.db.gz', sizeBytes: expect.any(Number), createdAt: '2026-01-01T00:00:00.000Z' });
    const bytes = await readFile(join(backupDir, response.body.file));
    expect(bytes.length).toBe(response.body.sizeBytes);
    const ids = imageIdsIn(bytes);
    expect(ids).toContain(before);
    expect(await readdir(backupDir)).toEqual([response.body.file]);
  });

  it('lists backups newest first, two in the same second told apart', async () => {
    clock.advance(3_600_000);
    const second = (await request(server).post('/api/v2/maintenance/backup').expect(201)).body;
    const third = (await request(server).post('/api/v2/maintenance/backup').expect(201)).body;
    expect(second.file).toBe('dnd_game_20260101_010000.db.gz');
    expect(third.file).toBe('dnd_game_20260101_010000_1.db.gz');
    await writeFile(join(backupDir, 'README.txt'), 'not a backup');

    const list = (await request(server).get('/api/v2/maintenance/backups').expect(200)).body as Array<{ file: string; sizeBytes: number; createdAt: string }>;
    expect(list.map((backup) => backup.file)).toEqual([third.file, second.file, 'dnd_game_20260101_000000.db.gz']);
    expect(list[0]).toEqual(third);
    for (const backup of list) expect(backup.file).toMatch(BACKUP_NAME_PATTERN);
  });

  it('is admin-only: with ADMIN_API_KEY unset, loopback passes and a relayed request does not', async () => {
    await request(server).post('/api/v2/maintenance/backup').set('X-Forwarded-For', '203.0.113.9').expect(403);
    await request(server).get('/api/v2/maintenance/backups').set('X-Forwarded-For', '203.0.113.9').expect(403);
  });

  it('shows runs, durations and the newest backup time in /metrics', async () => {
    const text = await metrics();
    expect(text).toMatch(/backups_total\{outcome="success"\} 3\n/);
    expect(text).toMatch(/backup_duration_seconds_count\{outcome="success"\} 3\n/);
    expect(text).toMatch(new RegExp(`backup_last_success_timestamp_seconds ${Date.parse('2026-01-01T01:00:00Z') / 1000}\\n`));
  });

  it('answers 507 with a clear message when BACKUP_DIR cannot be written, counts it, and writes nothing', async () => {
    const store = join(t.dir, 'store');
    await rename(store, join(t.dir, 'store-moved'));
    await writeFile(store, 'a regular file where BACKUP_DIR’s parent should be');
    try {
      const response = await request(server).post('/api/v2/maintenance/backup').expect(507);
      expect(response.body).toEqual({
        statusCode: 507,
        error: 'Insufficient Storage',
        message: 'Backup failed: BACKUP_DIR is not a directory, or part of its path is a file (ENOTDIR); nothing was written',
      });
      expect(await readFile(store, 'utf8')).toBe('a regular file where BACKUP_DIR’s parent should be');
      expect(await metrics()).toMatch(/backups_total\{outcome="failure"\} 1\n/);
    } finally {
      await rm(store);
      await rename(join(t.dir, 'store-moved'), store);
    }
    // chmod 555 only stops non-root users; tests often run as root.
    if (process.getuid?.() !== 0) {
      await chmod(backupDir, 0o555);
      try {
        const response = await request(server).post('/api/v2/maintenance/backup').expect(507);
        expect(response.body.message).toMatch(/^Backup failed: BACKUP_DIR is not writable/);
      } finally {
        await chmod(backupDir, 0o755);
      }
    }
    expect((await readdir(backupDir)).filter((name) => !BACKUP_NAME_PATTERN.test(name))).toEqual(['README.txt']);
  });

  it('documents both routes in Swagger', async () => {
    const document = (await request(server).get('/docs-json').expect(200)).body;
    expect(document.paths['/api/v2/maintenance/backup'].post.responses['201'].content['application/json'].schema.$ref).toContain('BackupDto');
    expect(document.paths['/api/v2/maintenance/backup'].post.responses).toHaveProperty('507');
    expect(document.paths['/api/v2/maintenance/backups'].get.responses['200'].content['application/json'].schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/BackupDto' },
    });
    expect(Object.keys(document.components.schemas.BackupDto.properties)).toEqual(['file', 'sizeBytes', 'createdAt']);
  });
});

describe('restore and the running server', () => {
  it('marks the database as in use while the server runs, so a restore is refused', async () => {
    expect((await readFile(serverPidPath(dbPath), 'utf8')).trim()).toBe(String(process.pid));
    const before = await readFile(dbPath);
    const error = await restoreDatabase('dnd_game_20260101_000000.db.gz', restoreOptions()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RestoreRefusedError);
    expect((error as Error).message).toMatch(/^The server \(pid \d+\) is using .*test\.db; stop it first/);
    expect((await readFile(dbPath)).equals(before)).toBe(true);
  });

  it('refuses even without the pid file, because SQLite sees the server’s open connection', async () => {
    const backup = (await request(server).post('/api/v2/maintenance/backup').expect(201)).body;
    const pidFile = await readFile(serverPidPath(dbPath));
    await rm(serverPidPath(dbPath));
    try {
      const error = await restoreDatabase(backup.file, restoreOptions()).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(RestoreRefusedError);
      expect((error as Error).message).toMatch(/is open in another process/);
      await generate('the server still writes after the refused restore');
    } finally {
      await writeFile(serverPidPath(dbPath), pidFile);
    }
  });

  it('after shutdown, restores a backup taken by the server: images added since are gone', async () => {
    clock.advance(3_600_000);
    const backup = (await request(server).post('/api/v2/maintenance/backup').expect(201)).body;
    const later = (await generate('a beholder added after the backup')).body.id as string;
    const backedUp = imageIdsIn(await readFile(join(backupDir, backup.file)));
    expect(backedUp).not.toContain(later);

    await t.app.close();
    await expect(readFile(serverPidPath(dbPath))).rejects.toMatchObject({ code: 'ENOENT' });

    // Restoring a backup older than the retention window must not delete it on the way.
    clock.advance(31 * 86_400_000);
    const result = await restoreDatabase(backup.file, restoreOptions());
    expect(result.restorePoint?.file).toMatch(/^dnd_game_20260201_\d{6}\.db\.gz$/);
    await readFile(join(backupDir, backup.file)); // still there
    const db = new Database(dbPath);
    try {
      const ids = (db.prepare('SELECT id FROM images ORDER BY id').all() as Array<{ id: string }>).map((row) => row.id);
      expect(ids).toEqual(backedUp);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    expect(imageIdsIn(await readFile(result.restorePoint!.path))).toContain(later);
  });
});
