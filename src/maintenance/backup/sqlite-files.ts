import Database from 'better-sqlite3';
import { messageOf } from '../../common/errors.js';

export type SqliteHandle = Database.Database;

/** Every SQLite 3 database file starts with these 16 bytes. */
export const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Thin adapter around better-sqlite3 for backups and restores. */
export class SqliteFiles {
  /**
   * SQLite's online backup through `source`, the connection that writes: a consistent copy
   * even while writes go on (never a file copy, which can catch a page half-written or miss
   * the WAL). Writes made through `source` meanwhile are carried into the copy.
   */
  async snapshot(source: SqliteHandle, target: string): Promise<void> {
    await source.backup(target);
  }

  /** A separate connection to an existing database file (the CLI, restore points). */
  open(path: string): SqliteHandle {
    return new Database(path, { fileMustExist: true, timeout: 5000 });
  }

  /**
   * Whether another connection has the database open: leaving WAL mode needs the only
   * connection, so it fails (SQLITE_BUSY) while anyone else holds the file. Only for a file
   * about to be replaced: when nobody else has it open, it is left in rollback-journal mode.
   */
  isOpenElsewhere(path: string): boolean {
    let db: SqliteHandle;
    try {
      db = new Database(path, { fileMustExist: true, timeout: 0 });
    } catch {
      return false; // no database there: nothing to protect
    }
    try {
      return db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete';
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
      throw error;
    } finally {
      db.close();
    }
  }

  /**
   * Opens a copy with its own connection and runs `PRAGMA integrity_check`; with
   * `requireMigrationsTable`, also asks for this service's `migrations` table. Answers what
   * is wrong (to finish a sentence about the file), or null when it is healthy.
   */
  inspect(path: string, options: { requireMigrationsTable: boolean }): string | null {
    let db: SqliteHandle;
    try {
      db = this.open(path);
    } catch (error) {
      return `cannot be opened as an SQLite database (${messageOf(error)})`;
    }
    try {
      const results = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
      if (results.length !== 1 || results[0] !== 'ok') return `fails PRAGMA integrity_check (${results.slice(0, 3).join('; ')})`;
      if (options.requireMigrationsTable && !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get()) {
        return 'has no migrations table, so it is not a database of this service';
      }
      return null;
    } catch (error) {
      return `is not a readable SQLite database (${messageOf(error)})`;
    } finally {
      db.close();
    }
  }
}
