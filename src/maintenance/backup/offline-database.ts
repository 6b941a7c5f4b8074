import { existsSync } from 'node:fs';
import type { Clock } from '../../common/clock.js';
import { messageOf } from '../../common/errors.js';
import type { DatabaseConfig } from '../../config/database-url.js';
import { BackupFailedError } from './backup-engine.js';
import { BackupFiles } from './backup-files.js';
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
  /** One verified backup into BACKUP_DIR, with retention applied, as the scheduled job takes. */
  abstract backup(): Promise<BackupInfo>;

  /** Replaces the database with a backup (a path, or a name in BACKUP_DIR); refuses, changing nothing, while a server uses it. */
  abstract restore(archive: string, choices: RestoreChoices): Promise<RestoreResult>;
}

/** The adapters both drivers' tools work through. */
export interface OfflineDatabaseAdapters {
  clock: Clock;
  files: BackupFiles;
  sqlite: SqliteFiles;
  postgres: PostgresTools;
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
    private readonly settings: BackupSettings,
    private readonly adapters: OfflineDatabaseAdapters,
  ) {
    super();
  }

  async backup(): Promise<BackupInfo> {
    // Opening a missing file would create an empty database, and back that up.
    if (!existsSync(this.path)) throw new BackupFailedError(`Backup failed: there is no database at ${this.path} (DATABASE_URL)`);
    const { clock, files, sqlite } = this.adapters;
    let db: SqliteHandle;
    try {
      db = sqlite.open(this.path);
    } catch (error) {
      throw new BackupFailedError(`Backup failed: cannot open ${this.path}: ${messageOf(error)}`);
    }
    try {
      const engine = new SqliteBackupEngine(() => db, files, sqlite);
      return await takeOneOffBackup({ settings: this.settings, clock, engine, files, applyRetention: true });
    } finally {
      db.close();
    }
  }

  restore(archive: string, { restorePoint }: RestoreChoices): Promise<RestoreResult> {
    const { clock, files, sqlite } = this.adapters;
    return restoreDatabase(archive, { databasePath: this.path, backup: this.settings, clock, files, sqlite, restorePoint });
  }
}

/** PostgreSQL: pg_dump and pg_restore, the same whether the replicas run or not (a restore refuses while they do). */
export class PostgresOfflineDatabase extends OfflineDatabase {
  constructor(
    private readonly url: string,
    private readonly settings: BackupSettings,
    private readonly adapters: OfflineDatabaseAdapters,
  ) {
    super();
  }

  backup(): Promise<BackupInfo> {
    const { clock, files, postgres } = this.adapters;
    return takeOneOffBackup({ settings: this.settings, clock, engine: new PostgresBackupEngine(this.url, postgres), files, applyRetention: true });
  }

  restore(archive: string, { restorePoint }: RestoreChoices): Promise<RestoreResult> {
    const { clock, files, postgres } = this.adapters;
    return restorePostgresDatabase(archive, { url: this.url, backup: this.settings, clock, files, tools: postgres, restorePoint });
  }
}
