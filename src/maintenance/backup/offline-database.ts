import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Clock } from '../../common/clock.js';
import { messageOf } from '../../common/errors.js';
import type { DatabaseConfig } from '../../config/database-url.js';
import { BackupFailedError } from './backup-engine.js';
import { BackupFiles } from './backup-files.js';
import { backupTempName, parseBackupName } from './backup-names.js';
import type { BackupShelf } from './backup-shelf.js';
import { type BackupInfo, type BackupSettings, takeOneOffBackup } from './backup.service.js';
import { PostgresBackupEngine } from './postgres-backup.engine.js';
import { restorePostgresDatabase } from './postgres-restore.js';
import { PostgresTools } from './postgres-tools.js';
import { restoreDatabase, type RestoreResult } from './restore.js';
import { SqliteBackupEngine } from './sqlite-backup.engine.js';
import { type SqliteHandle, SqliteFiles } from './sqlite-files.js';

export interface RestoreChoices {
  /** false for a damaged current database, of which no restore point can be taken. */
  restorePoint: boolean;
}

/**
 * The database as the command-line tools reach it, whether the service runs or not: without
 * the app's connection or its migrations, so a restore can replace what the app would hold
 * open. One per driver, chosen from DATABASE_URL (see offlineDatabaseFor).
 */
export abstract class OfflineDatabase {
  constructor(
    protected readonly settings: BackupSettings,
    protected readonly adapters: OfflineDatabaseAdapters,
  ) {}

  /** One verified backup onto the shelf (BACKUP_DIR or the bucket), with retention applied, as the scheduled job takes. */
  abstract backup(): Promise<BackupInfo>;

  /**
   * Replaces the database with a backup (a path, a name in BACKUP_DIR or, with BACKUP_TARGET=s3,
   * a name in the bucket, fetched into BACKUP_DIR first); refuses, changing nothing, while a
   * server uses it.
   */
  async restore(archive: string, choices: RestoreChoices): Promise<RestoreResult> {
    const fetched = await this.fetchFromShelf(archive);
    if (!fetched) return this.restoreFrom(archive, choices);
    try {
      return { ...(await this.restoreFrom(fetched, choices)), archive: this.adapters.shelf!.locationOf(archive) };
    } finally {
      await this.adapters.files.remove(fetched);
    }
  }

  protected abstract restoreFrom(archive: string, choices: RestoreChoices): Promise<RestoreResult>;

  /** A backup's bare name that is no local file, fetched from a remote shelf into BACKUP_DIR under a temp name; else null. */
  private async fetchFromShelf(archive: string): Promise<string | null> {
    const { shelf, files, clock } = this.adapters;
    const format = parseBackupName(archive)?.format;
    if (!shelf?.remote || !format || basename(archive) !== archive) return null;
    if ((await files.size(resolve(archive))) !== null || (await files.size(join(this.settings.dir, archive))) !== null) return null;
    return shelf.fetch(archive, this.settings.dir, backupTempName(clock.now(), format, randomBytes(4).toString('hex')));
  }
}

/** The adapters both drivers' tools work through. */
export interface OfflineDatabaseAdapters {
  clock: Clock;
  files: BackupFiles;
  sqlite: SqliteFiles;
  postgres: PostgresTools;
  /** Where backups are kept; BACKUP_DIR unless given. */
  shelf?: BackupShelf;
}

export function offlineDatabaseFor(database: DatabaseConfig, backup: BackupSettings, adapters: OfflineDatabaseAdapters): OfflineDatabase {
  return database.driver === 'postgres'
    ? new PostgresOfflineDatabase(database.url, backup, adapters)
    : new SqliteOfflineDatabase(database.path, backup, adapters);
}

/** SQLite: an online backup through a connection of its own (the server may be writing); a restore swaps the file. */
export class SqliteOfflineDatabase extends OfflineDatabase {
  constructor(
    private readonly path: string,
    settings: BackupSettings,
    adapters: OfflineDatabaseAdapters,
  ) {
    super(settings, adapters);
  }

  async backup(): Promise<BackupInfo> {
    // Opening a missing file would create an empty database, and back that up.
    if (!existsSync(this.path)) throw new BackupFailedError(`Backup failed: there is no database at ${this.path} (DATABASE_URL)`);
    const { clock, files, sqlite, shelf } = this.adapters;
    let db: SqliteHandle;
    try {
      db = sqlite.open(this.path);
    } catch (error) {
      throw new BackupFailedError(`Backup failed: cannot open ${this.path}: ${messageOf(error)}`);
    }
    try {
      const engine = new SqliteBackupEngine(() => db, files, sqlite);
      return await takeOneOffBackup({ settings: this.settings, clock, engine, files, applyRetention: true, shelf });
    } finally {
      db.close();
    }
  }

  protected restoreFrom(archive: string, { restorePoint }: RestoreChoices): Promise<RestoreResult> {
    const { clock, files, sqlite, shelf } = this.adapters;
    return restoreDatabase(archive, { databasePath: this.path, backup: this.settings, clock, files, sqlite, restorePoint, shelf });
  }
}

/** PostgreSQL: pg_dump and pg_restore, the same whether the replicas run or not (a restore refuses while they do). */
export class PostgresOfflineDatabase extends OfflineDatabase {
  constructor(
    private readonly url: string,
    settings: BackupSettings,
    adapters: OfflineDatabaseAdapters,
  ) {
    super(settings, adapters);
  }

  backup(): Promise<BackupInfo> {
    const { clock, files, postgres, shelf } = this.adapters;
    return takeOneOffBackup({ settings: this.settings, clock, engine: new PostgresBackupEngine(this.url, postgres), files, applyRetention: true, shelf });
  }

  protected restoreFrom(archive: string, { restorePoint }: RestoreChoices): Promise<RestoreResult> {
    const { clock, files, postgres, shelf } = this.adapters;
    return restorePostgresDatabase(archive, { url: this.url, backup: this.settings, clock, files, tools: postgres, restorePoint, shelf });
  }
}
