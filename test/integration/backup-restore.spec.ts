import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { ManualClock } from '../support/clock.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { runCli } from '../../src/cli/cli.js';
import { BackupFiles } from '../../src/maintenance/backup/backup-files.js';
import { NO_BACKUP_METRICS } from '../../src/maintenance/backup/backup.metrics.js';
import { BackupService } from '../../src/maintenance/backup/backup.service.js';
import { restoreDatabase, RestoreRefusedError } from '../../src/maintenance/backup/restore.js';
import { serverPidPath } from '../../src/database/server-pid-file.js';
import { SqliteBackupEngine } from '../../src/maintenance/backup/sqlite-backup.engine.js';
import { type SqliteHandle, SqliteFiles } from '../../src/maintenance/backup/sqlite-files.js';
import { captureCliOutput } from '../support/cli-output.js';


let dir: string;
let dbPath: string;
let backupDir: string;
const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
const options = () => ({ databasePath: dbPath, backup: { dir: backupDir, retentionDays: 30 }, clock, cwd: dir, files: new BackupFiles(), sqlite: new SqliteFiles() });

/** Backups of an open database into BACKUP_DIR, with the real adapters. */
function backupsOf(db: SqliteHandle): BackupService {
  const engine = new SqliteBackupEngine(() => db, new BackupFiles(), new SqliteFiles());
  return new BackupService({ dir: backupDir, retentionDays: 30 }, clock, engine, NO_BACKUP_METRICS, new BackupFiles());
}

/** A migrated database like the server's, with `names` in a probe table. */
async function createDatabase(path: string, names: string[]): Promise<void> {
  const dataSource = new DataSource(buildDataSourceOptions({ driver: 'sqlite', path }));
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query('CREATE TABLE probe (name TEXT NOT NULL)');
  for (const name of names) await dataSource.query('INSERT INTO probe (name) VALUES (?)', [name]);
  await dataSource.destroy();
}

function probeNames(path: string): string[] {
  // Read-write, so closing it checkpoints and removes the WAL like the server does.
  const db = new Database(path);
  try {
    return (db.prepare('SELECT name FROM probe ORDER BY rowid').all() as Array<{ name: string }>).map((row) => row.name);
  } finally {
    db.close();
  }
}

async function digest(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** The database's bytes, the files next to it and BACKUP_DIR: all must stay as they are. */
async function snapshotState() {
  return { db: await digest(dbPath), dbDir: (await readdir(dir)).sort(), backups: (await readdir(backupDir)).sort() };
}

beforeAll(() => Logger.overrideLogger(false));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dnd-restore-'));
  dbPath = join(dir, 'dnd_game.db');
  backupDir = join(dir, 'backups');
  await mkdir(backupDir);
  await createDatabase(dbPath, ['current']);
});

afterEach(() => rm(dir, { recursive: true, force: true }));

describe('restoreDatabase', () => {
  it('round-trips: backup, change the data, restore, the data is back (with a restore point of the replaced one)', async () => {
    const sqlite = new SqliteFiles();
    let db = sqlite.open(dbPath);
    const backup = await backupsOf(db).backup();
    db.prepare('INSERT INTO probe (name) VALUES (?)').run('added after the backup');
    db.prepare('DELETE FROM probe WHERE name = ?').run('current');
    db.close();
    expect(probeNames(dbPath)).toEqual(['added after the backup']);
    // A pid file left by a crashed server names a dead process and does not block.
    await writeFile(serverPidPath(dbPath), `${await deadPid()}\n`);

    const result = await restoreDatabase(backup.file, options());

    expect(result.archive).toBe(backup.path);
    expect(probeNames(dbPath)).toEqual(['current']);
    expect(result.restorePoint).toMatchObject({ file: 'dnd_game_20260101_000000_1.db.gz' });
    // The restore point holds the data that was replaced, and can itself be restored.
    await restoreDatabase(result.restorePoint!.path, options());
    expect(probeNames(dbPath)).toEqual(['added after the backup']);
    // Nothing of the restore is left next to the database.
    expect((await readdir(dir)).sort()).toEqual(['backups', 'dnd_game.db', 'dnd_game.db.pid']);
    db = new Database(dbPath);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('restores over a damaged database with restorePoint: false, keeping the damaged files aside', async () => {
    const sqlite = new SqliteFiles();
    const db = sqlite.open(dbPath);
    const backup = await backupsOf(db).backup();
    db.close();
    const damaged = await readFile(dbPath);
    damaged.fill(0x5a, 4096, 8192); // scribble over a page
    await writeFile(dbPath, damaged);

    const refused = await restoreDatabase(backup.file, options()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRefusedError);
    expect((refused as Error).message).toContain('--without-restore-point');
    expect(await readFile(dbPath)).toEqual(damaged);

    const result = await restoreDatabase(backup.file, { ...options(), restorePoint: false });
    expect(result.restorePoint).toBeNull();
    expect(probeNames(dbPath)).toEqual(['current']);
    // Kept as it was, but for the 100-byte header, whose journal-mode flag the check for other
    // connections (leaving WAL mode) rewrites; every page is untouched.
    const kept = await readFile(join(dir, 'dnd_game.db.before-restore-20260101T000000Z'));
    expect(kept.subarray(100)).toEqual(damaged.subarray(100));
  });

  describe('refuses, leaving the current database untouched', () => {
    const refusals: Array<[string, () => Promise<string>, RegExp]> = [
      ['a missing file', async () => 'dnd_game_20250101_000000.db.gz', /No backup file dnd_game_20250101_000000\.db\.gz/],
      [
        'a file that is not gzip',
        async () => {
          await writeFile(join(backupDir, 'plain.db.gz'), 'just text');
          return join(backupDir, 'plain.db.gz');
        },
        /is not a gzip archive/,
      ],
      [
        'a damaged gzip archive',
        async () => {
          const archive = gzipSync(Buffer.alloc(100_000, 1));
          await writeFile(join(backupDir, 'cut.db.gz'), archive.subarray(0, archive.length - 20));
          return 'cut.db.gz';
        },
        /could not be unpacked/,
      ],
      [
        'a gzip of something that is not SQLite',
        async () => {
          await writeFile(join(backupDir, 'text.db.gz'), gzipSync('hello, not a database'));
          return 'text.db.gz';
        },
        /does not hold an SQLite database/,
      ],
      [
        'an SQLite database that fails the integrity check',
        async () => {
          const path = join(dir, 'corrupt.db');
          const db = new Database(path);
          db.pragma('journal_mode = DELETE');
          db.exec('CREATE TABLE migrations (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x)');
          const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
          for (let i = 0; i < 500; i++) insert.run(`row ${i}`);
          const pageSize = db.pragma('page_size', { simple: true }) as number;
          db.close();
          const bytes = await readFile(path);
          bytes.fill(0xff, 2 * pageSize, 3 * pageSize); // page 3: the root of table t
          await rm(path);
          await writeFile(join(backupDir, 'corrupt.db.gz'), gzipSync(bytes));
          return 'corrupt.db.gz';
        },
        /fails PRAGMA integrity_check|is not a readable SQLite database/,
      ],
      [
        'an SQLite database without our migrations table',
        async () => {
          const path = join(dir, 'foreign.db');
          const db = new Database(path);
          db.pragma('journal_mode = DELETE');
          db.exec('CREATE TABLE notes (text TEXT)');
          db.close();
          const bytes = await readFile(path);
          await rm(path);
          await writeFile(join(backupDir, 'foreign.db.gz'), gzipSync(bytes));
          return 'foreign.db.gz';
        },
        /has no migrations table/,
      ],
      [
        'anything while the server runs',
        async () => {
          // A valid backup, but this (live) process holds the pid file, as a running server does.
          const db = new SqliteFiles().open(dbPath);
          const backup = await backupsOf(db).backup();
          db.close();
          await writeFile(serverPidPath(dbPath), `${process.pid}\n`);
          return backup.file;
        },
        new RegExp(`The server \\(pid ${process.pid}\\) is using .*dnd_game\\.db; stop it first`),
      ],
    ];

    it.each(refusals)('%s', async (_case, prepare, message) => {
      const archive = await prepare();
      const before = await snapshotState();
      const error = await restoreDatabase(archive, options()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RestoreRefusedError);
      expect((error as Error).message).toMatch(message);
      expect(await snapshotState()).toEqual(before);
      expect(probeNames(dbPath)).toEqual(['current']);
    });
  });
});

describe('npm run backup and restore (runCli)', () => {
  const env = () => ({ DATABASE_URL: `sqlite:///${dbPath}`, BACKUP_DIR: backupDir });
  const capture = captureCliOutput;

  it('backs up through a connection of its own, while another holds the database open', async () => {
    const db = new SqliteFiles().open(dbPath);
    try {
      db.prepare('INSERT INTO probe (name) VALUES (?)').run('written before the backup');
      const { lines, output } = capture();
      expect(await runCli(['backup'], env(), output)).toBe(0);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^out: Backup written: ${backupDir}/(dnd_game_\\d{8}_\\d{6}\\.db\\.gz) \\(\\d+ bytes\\)$`))]);
      const written = /Backup written: (\S+)/.exec(lines[0])![1];
      const unpacked = join(dir, 'unpacked.db');
      await writeFile(unpacked, gunzipSync(await readFile(written)));
      expect(probeNames(unpacked)).toEqual(['current', 'written before the backup']);
    } finally {
      db.close();
    }
  });

  it('refuses to back up a database that is not there, or to start with a bad configuration', async () => {
    const { lines, output } = capture();
    expect(await runCli(['backup'], { ...env(), DATABASE_URL: `sqlite:///${join(dir, 'nothing-here.db')}` }, output)).toBe(1);
    expect(await runCli(['backup'], { ...env(), BACKUP_RETENTION_DAYS: 'forever' }, output)).toBe(1);
    expect(lines[0]).toBe(`err: Backup failed: there is no database at ${join(dir, 'nothing-here.db')} (DATABASE_URL)`);
    expect(lines[1]).toContain('BACKUP_RETENTION_DAYS must be an integer ≥ 1 (got "forever")');
    await expect(readFile(join(dir, 'nothing-here.db'))).rejects.toMatchObject({ code: 'ENOENT' }); // not created by the attempt
  });

  it('prints the restore point and what it restored', async () => {
    const db = new SqliteFiles().open(dbPath);
    const backup = await backupsOf(db).backup();
    db.close();
    const { lines, output } = capture();
    expect(await runCli(['restore', backup.path], env(), output)).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^out: Restore point: ${backupDir}/dnd_game_\\d{8}_\\d{6}(_\\d+)?\\.db\\.gz \\(\\d+ bytes\\)$`)),
      `out: Restored ${dbPath} from ${backup.path}`,
    ]);
  });

  it('explains a refusal and a missing argument', async () => {
    const { lines, output } = capture();
    expect(await runCli(['restore', 'nope.db.gz'], env(), output)).toBe(1);
    expect(await runCli(['restore'], env(), output)).toBe(2);
    expect(lines.slice(0, 4)).toEqual([
      `err: Restore refused: No backup file nope.db.gz (looked in ${process.cwd()} and ${backupDir}). The current database was not changed.`,
      "err: error: missing required argument 'backup'",
      'err: ',
      'err: Usage: npm run restore [options] <backup>',
    ]);
    expect(lines).toContain('err:   --without-restore-point  for a damaged current database: keep its files aside'); // then its help
    lines.length = 0;
    expect(await runCli(['restore', 'a.db.gz', 'b.db.gz'], env(), output)).toBe(2);
    expect(lines[0]).toBe('err: error: too many arguments for \'restore\'. Expected 1 argument but got 2.');
  });
});

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.once('error', reject);
    child.once('exit', () => resolve(child.pid!));
  });
}
