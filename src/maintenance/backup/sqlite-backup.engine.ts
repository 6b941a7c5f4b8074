import { BackupFiles } from './backup-files.js';
import { BackupFailedError, type BackupEngine } from './backup-engine.js';
import { type SqliteHandle, SqliteFiles } from './sqlite-files.js';

/**
 * SQLite: an online backup through the given connection (never a file copy, so it is
 * consistent while the service writes), checked with `PRAGMA integrity_check` on a separate
 * connection, then gzipped.
 */
export class SqliteBackupEngine implements BackupEngine {
  readonly format = 'db.gz';

  constructor(
    /** The connection to back up through: the app's live one, or the CLI's own. */
    private readonly database: () => SqliteHandle,
    private readonly files: BackupFiles,
    private readonly sqlite: SqliteFiles,
  ) {}

  async unavailableReason(): Promise<string | null> {
    return null;
  }

  async writeArchive(target: string, scratch: () => string): Promise<void> {
    const copy = scratch();
    await this.sqlite.snapshot(this.database(), copy);
    const problem = this.sqlite.inspect(copy, { requireMigrationsTable: false });
    if (problem) throw new BackupFailedError(`Backup failed: the copy of the database ${problem}; nothing was kept`);
    await this.files.gzip(copy, target);
  }
}
