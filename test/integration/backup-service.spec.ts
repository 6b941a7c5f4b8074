import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { ManualClock } from '../support/clock.js';
import { StorageUnavailableError } from '../../src/common/errors.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { WriteLock } from '../../src/database/write-lock.js';
import { BACKUP_NAME_PATTERN } from '../../src/maintenance/backup/backup-names.js';
import { BackupFiles } from '../../src/maintenance/backup/backup-files.js';
import { type BackupMetrics, type BackupOutcome, NO_BACKUP_METRICS } from '../../src/maintenance/backup/backup.metrics.js';
import { BackupService } from '../../src/maintenance/backup/backup.service.js';
import { SqliteBackupEngine } from '../../src/maintenance/backup/sqlite-backup.engine.js';
import { type SqliteHandle, SqliteFiles } from '../../src/maintenance/backup/sqlite-files.js';


class RecordingMetrics implements BackupMetrics {
  readonly runs: BackupOutcome[] = [];
  record(outcome: BackupOutcome): void {
    this.runs.push(outcome);
  }
}

let dir: string;
let dataSource: DataSource;
const handle = () => (dataSource.driver as BetterSqlite3Driver).databaseConnection as SqliteHandle;
/** Backups through the live connection, as the server takes them. */
const engine = new SqliteBackupEngine(handle, new BackupFiles(), new SqliteFiles());

beforeAll(async () => {
  Logger.overrideLogger(false);
  dir = await mkdtemp(join(tmpdir(), 'dnd-backup-service-'));
  // The app's own connection settings (WAL, busy timeout) and migrations.
  dataSource = new DataSource(buildDataSourceOptions({ driver: 'sqlite', path: join(dir, 'live.db') }));
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query('CREATE TABLE probe (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  // A few MB, so the online backup takes many steps and writes land between them.
  const insert = handle().prepare('INSERT INTO probe (payload) VALUES (?)');
  handle().transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run('x'.repeat(1000));
  })();
});

afterAll(async () => {
  await dataSource.destroy();
  await rm(dir, { recursive: true, force: true });
});

/** Unpacks a backup into a file and opens it with its own connection. */
async function openBackup(path: string): Promise<Database.Database> {
  const raw = join(dir, `${basename(path)}.opened.db`);
  await writeFile(raw, gunzipSync(await readFile(path)));
  return new Database(raw);
}

describe('BackupService', () => {
  it('backs up consistently while writes go on, keeping every row committed before it started', async () => {
    const backupDir = join(dir, 'concurrent');
    const service = new BackupService({ dir: backupDir, retentionDays: 30 }, new ManualClock(new Date('2026-01-01T00:00:00Z')), engine, NO_BACKUP_METRICS, new BackupFiles());
    const lock = new WriteLock();
    let stop = false;
    let commits = 0;
    // Like the app: transactions through the WriteLock, awaiting between statements.
    const writer = (async () => {
      while (!stop) {
        await lock.run(() =>
          dataSource.transaction(async (manager) => {
            await manager.query('INSERT INTO probe (payload) VALUES (?)', ['during']);
            await manager.query('INSERT INTO probe (payload) VALUES (?)', ['during, second']);
          }),
        );
        commits++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    while (commits < 5) await new Promise((resolve) => setImmediate(resolve));

    // Read under the lock: outside it, the shared connection may be inside the writer's transaction.
    const [{ maxId: committedBefore }] = await lock.run(() => dataSource.query('SELECT max(id) AS maxId FROM probe'));
    const commitsBefore = commits;
    const backup = await service.backup();
    const commitsDuring = commits - commitsBefore;
    stop = true;
    await writer;

    expect(backup.file).toMatch(BACKUP_NAME_PATTERN);
    expect(commitsDuring).toBeGreaterThan(0); // the writes really did interleave with the copy
    const copy = await openBackup(backup.path);
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const { rows, maxId } = copy.prepare('SELECT count(*) AS rows, max(id) AS maxId FROM probe WHERE id <= ?').get(committedBefore) as {
        rows: number;
        maxId: number;
      };
      expect(maxId).toBe(committedBefore);
      expect(rows).toBe(committedBefore); // ids are 1..n with no gaps
      // Writes made through the same connection during the copy are carried into it, whole.
      const during = copy.prepare("SELECT payload, count(*) AS n FROM probe WHERE id > ? GROUP BY payload").all(committedBefore) as Array<{ n: number }>;
      if (during.length > 0) expect(new Set(during.map((row) => row.n)).size).toBe(1);
    } finally {
      copy.close();
    }
    expect(await readdir(backupDir)).toEqual([backup.file]);
  });

  it('runs backups one at a time and names two in the same second apart', async () => {
    const backupDir = join(dir, 'serial');
    const service = new BackupService({ dir: backupDir, retentionDays: 30 }, new ManualClock(new Date('2026-05-06T07:08:09Z')), engine, NO_BACKUP_METRICS, new BackupFiles());
    const [first, second, third] = await Promise.all([service.backup(), service.backup(), service.backup()]);
    expect([first.file, second.file, third.file]).toEqual([
      'dnd_game_20260506_070809.db.gz',
      'dnd_game_20260506_070809_1.db.gz',
      'dnd_game_20260506_070809_2.db.gz',
    ]);
    expect((await service.list()).map((backup) => backup.file)).toEqual([third.file, second.file, first.file]);
    expect((await readdir(backupDir)).sort()).toEqual([first.file, second.file, third.file].sort());
  });

  it('after a backup, removes exactly the expired backups and stale temp files, and leaves foreign files alone', async () => {
    const backupDir = join(dir, 'retention');
    await mkdir(backupDir);
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const expired = [
      'dnd_game_20251201_235959.db.gz', // 30 days and a second old
      'dnd_game_20251115_120000.db.gz',
      'dnd_game_20251115_120000_3.db.gz',
      'dnd_game_20200101_000000.db.gz',
      'dnd_game_20251231_225959.0123abcd.db.tmp', // a temp file over an hour old
      'dnd_game_20251231_225959.0123abcd.db.gz.tmp',
    ];
    const kept = [
      'dnd_game_20251202_000000.db.gz', // exactly 30 days: not older
      'dnd_game_20251231_120000.db.gz',
      'dnd_game_20251231_230001.89abcdef.db.gz.tmp', // may belong to a backup in flight
    ];
    const foreign = [
      'notes.txt',
      'dnd_game_20200101_000000.db', // not our archive name
      'dnd_game_20200101_000000.db.gz.bak',
      'dnd_game_20200101_000000.db.gz.tmp',
      'other_20200101_000000.db.gz',
      'dnd_game_20200230_000000.db.gz', // not a real date
    ];
    for (const name of [...expired, ...kept, ...foreign]) await writeFile(join(backupDir, name), name);
    await mkdir(join(backupDir, 'dnd_game_20200101_000001.db.gz')); // a directory is never ours

    const service = new BackupService({ dir: backupDir, retentionDays: 30 }, clock, engine, NO_BACKUP_METRICS, new BackupFiles());
    const backup = await service.backup();

    expect(backup.file).toBe('dnd_game_20260101_000000.db.gz');
    expect((await readdir(backupDir)).sort()).toEqual([backup.file, ...kept, ...foreign, 'dnd_game_20200101_000001.db.gz'].sort());
    expect((await service.list()).map((entry) => entry.file)).toEqual([backup.file, 'dnd_game_20251231_120000.db.gz', 'dnd_game_20251202_000000.db.gz']);

    // A day later the 30-day-old one goes too, and nothing else.
    clock.advance(86_400_000); // to 2026-01-02
    expect(await service.applyRetention()).toEqual({ deleted: expect.arrayContaining(['dnd_game_20251202_000000.db.gz']) });
    expect((await readdir(backupDir)).sort()).not.toContain('dnd_game_20251202_000000.db.gz');
    expect((await readdir(backupDir)).sort()).toEqual(expect.arrayContaining(foreign));
  });

  it('creates a missing BACKUP_DIR', async () => {
    const backupDir = join(dir, 'missing', 'nested');
    const backup = await new BackupService({ dir: backupDir, retentionDays: 30 }, new ManualClock(new Date('2026-01-01T00:00:00Z')), engine, NO_BACKUP_METRICS, new BackupFiles()).backup();
    expect(await readdir(backupDir)).toEqual([backup.file]);
  });

  it('fails clearly when BACKUP_DIR cannot be written, counts the failure and leaves nothing behind', async () => {
    const metrics = new RecordingMetrics();
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    // A path through a regular file fails for everyone, root included (ENOTDIR).
    const parent = join(dir, 'unwritable');
    await mkdir(parent);
    await writeFile(join(parent, 'a-file'), 'not a directory');
    const throughFile = new BackupService({ dir: join(parent, 'a-file', 'sub'), retentionDays: 30 }, clock, engine, metrics, new BackupFiles());
    const error = await throughFile.backup().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toBe('Backup failed: BACKUP_DIR is not a directory, or part of its path is a file (ENOTDIR); nothing was written');
    expect((error as Error).message).not.toContain(dir);
    expect(metrics.runs).toEqual(['failure']);
    expect(await readdir(parent)).toEqual(['a-file']);

    // chmod 555 stops writes only for non-root users; as root it proves nothing.
    if (process.getuid?.() !== 0) {
      const readOnly = join(parent, 'read-only');
      await mkdir(readOnly);
      await chmod(readOnly, 0o555);
      try {
        const service = new BackupService({ dir: readOnly, retentionDays: 30 }, clock, engine, metrics, new BackupFiles());
        await expect(service.backup()).rejects.toThrow(/BACKUP_DIR is not writable/);
        expect(metrics.runs).toEqual(['failure', 'failure']);
        expect(await readdir(readOnly)).toEqual([]);
      } finally {
        await chmod(readOnly, 0o755);
      }
    }

    // The next backup to a good directory works: a failure does not wedge the queue.
    const recovered = new BackupService({ dir: join(parent, 'good'), retentionDays: 30 }, clock, engine, metrics, new BackupFiles());
    await expect(recovered.backup()).resolves.toMatchObject({ file: 'dnd_game_20260101_000000.db.gz' });
    expect(metrics.runs.at(-1)).toBe('success');
  });
});
