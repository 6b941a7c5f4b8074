import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Clock } from '../../common/clock.js';
import type { BackupFiles } from './backup-files.js';
import type { BackupShelf } from './backup-shelf.js';
import { type BackupInfo, type BackupSettings, takeOneOffBackup } from './backup.service.js';
import { SqliteBackupEngine } from './sqlite-backup.engine.js';
import { runningServerPid, serverPidPath } from '../../database/server-pid-file.js';
import { messageOf } from '../../common/errors.js';
import { SQLITE_HEADER, type SqliteFiles } from './sqlite-files.js';

export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

export interface RestoreOptions {
  databasePath: string;
  backup: BackupSettings;
  clock: Clock;
  /** Where a relative archive path starts; defaults to the working directory. */
  cwd?: string;
  /**
   * false for a damaged current database, of which no backup can be taken: its files are
   * renamed aside (`<db>.before-restore-<time>`) instead, so nothing is lost either way.
   */
  restorePoint?: boolean;
  files: BackupFiles;
  /** Where the restore point goes; BACKUP_DIR unless given. */
  shelf?: BackupShelf;
  sqlite: SqliteFiles;
}

export interface RestoreResult {
  /** The archive restored. */
  archive: string;
  /** What was restored into: the SQLite file, or the PostgreSQL URL with its password masked. */
  database: string;
  /** The backup of the database that was replaced; null when there was none. */
  restorePoint: BackupInfo | null;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * Replaces the SQLite database with a backup. Checks first (the archive exists, is gzip, holds an
 * SQLite database that passes `PRAGMA integrity_check` and has our `migrations` table, and no
 * server holds the database), then takes a restore point of the current database with the
 * backup code, then renames the restored file over the database. Any refusal leaves the
 * current database untouched.
 */
export async function restoreDatabase(archiveArgument: string, options: RestoreOptions): Promise<RestoreResult> {
  const { files, sqlite, databasePath } = options;
  const archive = await locateArchive(archiveArgument, options, files);
  await refuseWhileServerRuns(databasePath);

  const head = await files.head(archive, GZIP_MAGIC.length);
  if (!head.equals(GZIP_MAGIC)) {
    const hint = archive.endsWith('.pgdump') ? ' (a .pgdump is a PostgreSQL backup, and DATABASE_URL names an SQLite database)' : '';
    throw new RestoreRefusedError(`${archive} is not a gzip archive${hint}`);
  }

  const temp = join(dirname(databasePath), `.${basename(databasePath)}.restore-${randomBytes(4).toString('hex')}.tmp`);
  try {
    try {
      await files.gunzip(archive, temp);
    } catch (error) {
      throw new RestoreRefusedError(`${archive} could not be unpacked (${messageOf(error)})`);
    }
    if (!(await files.head(temp, SQLITE_HEADER.length)).equals(SQLITE_HEADER)) {
      throw new RestoreRefusedError(`${archive} does not hold an SQLite database`);
    }
    const problem = sqlite.inspect(temp, { requireMigrationsTable: true });
    if (problem) throw new RestoreRefusedError(`The database in ${archive} ${problem}`);

    const restorePoint = options.restorePoint === false ? null : await takeRestorePoint(options, files, sqlite);
    await refuseWhileServerRuns(databasePath); // one may have started meanwhile
    // The pid file can be missing (a server still booting, another container): SQLite itself
    // knows whether any other connection has the database open.
    if (sqlite.isOpenElsewhere(databasePath)) {
      throw new RestoreRefusedError(`${databasePath} is open in another process (a running server?); stop it first`);
    }
    // The restore point's connection checkpointed the old WAL when it closed; whatever is
    // left must not be replayed into the restored file.
    if (options.restorePoint === false) {
      await moveAside(databasePath, `${databasePath}.before-restore-${compactTime(options.clock.now())}`, files);
    } else {
      await Promise.all([files.remove(`${databasePath}-wal`), files.remove(`${databasePath}-shm`)]);
    }
    await files.rename(temp, databasePath);
    return { archive, database: databasePath, restorePoint };
  } finally {
    await files.removeDatabase(temp).catch(() => undefined);
  }
}

/** A path (absolute, or relative to the working directory) or a bare name in BACKUP_DIR. */
export async function locateArchive(argument: string, options: Pick<RestoreOptions, 'backup' | 'cwd'>, files: BackupFiles): Promise<string> {
  const candidates = [isAbsolute(argument) ? argument : resolve(options.cwd ?? process.cwd(), argument)];
  if (basename(argument) === argument) candidates.push(join(options.backup.dir, argument));
  for (const candidate of candidates) {
    if ((await files.size(candidate)) !== null) return candidate;
  }
  throw new RestoreRefusedError(`No backup file ${argument} (looked in ${[...new Set(candidates.map(dirname))].join(' and ')})`);
}

async function refuseWhileServerRuns(databasePath: string): Promise<void> {
  const pid = await runningServerPid(databasePath);
  if (pid !== null) {
    throw new RestoreRefusedError(
      `The server (pid ${pid}) is using ${databasePath}; stop it first (if no server is running, delete ${serverPidPath(databasePath)})`,
    );
  }
}

async function takeRestorePoint(options: RestoreOptions, files: BackupFiles, sqlite: SqliteFiles): Promise<BackupInfo | null> {
  if ((await files.size(options.databasePath)) === null) return null;
  let db;
  try {
    db = sqlite.open(options.databasePath);
  } catch (error) {
    throw new RestoreRefusedError(`Could not open the current database for a restore point, so nothing was changed (${messageOf(error)})`);
  }
  try {
    const engine = new SqliteBackupEngine(() => db, files, sqlite);
    return await takeOneOffBackup({ settings: options.backup, clock: options.clock, engine, files, applyRetention: false, shelf: options.shelf });
  } catch (error) {
    throw new RestoreRefusedError(
      `Could not take a restore point of the current database, so nothing was changed: ${messageOf(error)}. If the current database is damaged, run again with --without-restore-point (its files are then kept beside it as .before-restore-…)`,
    );
  } finally {
    db.close();
  }
}

/** Renames a database and its WAL aside (whatever state they are in), leaving its place free. */
async function moveAside(databasePath: string, asidePath: string, files: BackupFiles): Promise<void> {
  for (const suffix of ['', '-wal']) {
    if ((await files.size(`${databasePath}${suffix}`)) !== null) await files.rename(`${databasePath}${suffix}`, `${asidePath}${suffix}`);
  }
  await files.remove(`${databasePath}-shm`);
}

function compactTime(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}Z`;
}
