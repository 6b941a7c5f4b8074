import { DomainError } from '../../common/errors.js';
import type { BackupFormat } from './backup-names.js';

/**
 * The database-specific half of a backup, chosen by the driver: SqliteBackupEngine or
 * PostgresBackupEngine. BackupService does the rest (naming, publishing, retention, metrics).
 */
export interface BackupEngine {
  /** The kind of archive written, which names its files (`.db.gz`, `.pgdump`). */
  readonly format: BackupFormat;
  /** Null when backups can be taken here; otherwise why not and what to rely on instead. */
  unavailableReason(): Promise<string | null>;
  /**
   * Writes a complete archive to `target` (a new file) and verifies it. `scratch()` names an
   * intermediate file beside it, which BackupService removes afterwards whatever happens.
   */
  writeArchive(target: string, scratch: () => string): Promise<void>;
}

/** The backup could not be made for a reason other than storage (e.g. the copy is damaged). → 500 */
export class BackupFailedError extends DomainError {}
