import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Clock } from '../../common/clock.js';
import { DomainError, messageOf, NotSupportedHereError, StorageUnavailableError } from '../../common/errors.js';
import { SerialQueue } from '../../common/serial-queue.js';
import { BackupFiles } from './backup-files.js';
import { type BackupShelf, FsBackupShelf } from './backup-shelf.js';
import { BackupFailedError, type BackupEngine } from './backup-engine.js';
import { backupFileName, backupTempName, MAX_BACKUP_SEQUENCE, parseBackupName, parseBackupTempName } from './backup-names.js';
import { type BackupMetrics, NO_BACKUP_METRICS } from './backup.metrics.js';

export interface BackupSettings {
  /** Absolute path of BACKUP_DIR. */
  dir: string;
  retentionDays: number;
}

export interface BackupInfo {
  /** The file name in BACKUP_DIR or the bucket (never a path in API answers). */
  file: string;
  /** Where it is: a path in BACKUP_DIR, or `s3://…` with BACKUP_TARGET=s3. */
  path: string;
  sizeBytes: number;
  /** From the name: when the backup was taken (UTC, whole seconds). */
  createdAt: Date;
}

const DAY_MS = 86_400_000;
/** Our temp files older than this belong to a run that died; younger ones may be in flight. */
export const STALE_TEMP_MS = 3_600_000;

/**
 * Backups of the database into BACKUP_DIR, or the bucket (the shelf). The engine writes a
 * verified archive in BACKUP_DIR under a temp name (SQLite: online backup, integrity check,
 * gzip; PostgreSQL: pg_dump), which the shelf then takes under its final name, so the shelf
 * only ever holds whole, verified backups. Runs one at a time;
 * after each success, expired backups and stale temp files go. The server and the CLI
 * (`npm run backup`, restore points) share this code.
 */
export class BackupService {
  private readonly logger = new Logger('Backups');
  private readonly queue = new SerialQueue();
  private unavailabilityLogged = false;

  constructor(
    private readonly settings: BackupSettings,
    private readonly clock: Clock,
    private readonly engine: BackupEngine,
    private readonly metrics: BackupMetrics,
    private readonly files: BackupFiles,
    private readonly shelf: BackupShelf = new FsBackupShelf(settings.dir, files),
  ) {}

  /**
   * Takes a backup (after any running one finishes) and answers the file written. A restore
   * point skips retention: it must never delete the archive being restored. Where no backup
   * can be taken here (PostgreSQL without pg_dump), NotSupportedHereError says why.
   */
  backup(options: { applyRetention: boolean } = { applyRetention: true }): Promise<BackupInfo> {
    return this.queue.run(async () => {
      const unavailable = await this.engine.unavailableReason();
      if (unavailable) throw new NotSupportedHereError(`Backups are not available here: ${unavailable}`);
      return this.runMeasured(options.applyRetention);
    });
  }

  /**
   * For the scheduled job: a backup, or, where none can be taken here, a skip that is logged
   * once per process (not as a failure on every run: the database's own backups apply).
   */
  async scheduledBackup(): Promise<BackupInfo | { skipped: string }> {
    const unavailable = await this.unavailableReason();
    if (!unavailable) return this.backup();
    if (!this.unavailabilityLogged) this.logger.warn(`Scheduled backups are skipped: ${unavailable}`);
    this.unavailabilityLogged = true;
    return { skipped: unavailable };
  }

  /** Null when backups can be taken here; otherwise why not (for health). */
  unavailableReason(): Promise<string | null> {
    return this.engine.unavailableReason();
  }

  /** The backups on the shelf (names matching the pattern only), newest first. */
  async list(): Promise<BackupInfo[]> {
    const shelved = await this.shelf.list();
    return shelved
      .flatMap((backup) => {
        const parsed = parseBackupName(backup.name);
        return parsed ? [{ file: backup.name, path: this.shelf.locationOf(backup.name), sizeBytes: backup.sizeBytes, createdAt: parsed.createdAt, sequence: parsed.sequence }] : [];
      })
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.sequence - a.sequence)
      .map(({ file, path, sizeBytes, createdAt }) => ({ file, path, sizeBytes, createdAt }));
  }

  /**
   * Deletes backups older than BACKUP_RETENTION_DAYS (by the time in their names) from the
   * shelf, and our own temp files older than an hour from BACKUP_DIR. Files whose names do
   * not match are never touched.
   */
  async applyRetention(): Promise<{ deleted: string[] }> {
    const now = this.clock.now().getTime();
    const backupCutoff = now - this.settings.retentionDays * DAY_MS;
    const expired = (await this.shelf.list()).filter((backup) => {
      const parsed = parseBackupName(backup.name);
      return parsed !== null && parsed.createdAt.getTime() < backupCutoff;
    });
    const staleTemps = (await this.files.listFiles(this.settings.dir)).filter((file) => {
      const temp = parseBackupTempName(file.name);
      return temp !== null && temp.getTime() < now - STALE_TEMP_MS;
    });
    for (const backup of expired) await this.shelf.remove(backup.name);
    for (const file of staleTemps) await this.files.remove(file.path);
    const deleted = [...expired, ...staleTemps].map((file) => file.name);
    if (deleted.length > 0) this.logger.log(`Removed ${deleted.length} expired backup file(s): ${deleted.join(', ')}`);
    return { deleted };
  }

  private async runMeasured(applyRetention: boolean): Promise<BackupInfo> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let info: BackupInfo;
    try {
      info = await this.write();
    } catch (error) {
      this.metrics.record('failure', seconds());
      this.logger.error(`${messageOf(error)} [BACKUP_DIR=${this.settings.dir}]`);
      throw error;
    }
    this.metrics.record('success', seconds());
    this.logger.log(`Backup ${info.file} written (${info.sizeBytes} bytes)`);
    if (!applyRetention) return info;
    // The backup is made; a failed clean-up is reported but does not undo it.
    await this.applyRetention().catch((error: unknown) => this.logger.warn(`Backup retention failed: ${messageOf(error)}`));
    return info;
  }

  private async write(): Promise<BackupInfo> {
    const { dir } = this.settings;
    try {
      await this.files.ensureWritableDirectory(dir);
    } catch (error) {
      throw storageError(error, true) ?? error;
    }
    const at = this.clock.now();
    const token = randomBytes(4).toString('hex');
    const archiveTemp = join(dir, backupTempName(at, this.engine.format, token));
    const scratch = join(dir, backupTempName(at, 'db', token));
    try {
      await this.engine.writeArchive(archiveTemp, () => scratch);
      const sizeBytes = (await this.files.size(archiveTemp)) ?? 0;
      const file = await this.publish(archiveTemp, at);
      return { file, path: this.shelf.locationOf(file), sizeBytes, createdAt: parseBackupName(file)!.createdAt };
    } catch (error) {
      throw storageError(error, false) ?? error;
    } finally {
      // The scratch file may be an SQLite copy, with -wal and -shm companions.
      await Promise.all([this.files.removeDatabase(scratch), this.files.remove(archiveTemp)]).catch((error: unknown) =>
        this.logger.warn(`Could not remove a backup temp file (clean-up will retry): ${messageOf(error)}`),
      );
    }
  }

  /** Gives the finished archive the first free name for its second: `…_HHMMSS`, `…_HHMMSS_1`, … */
  private async publish(archiveTemp: string, at: Date): Promise<string> {
    for (let sequence = 0; sequence <= MAX_BACKUP_SEQUENCE; sequence++) {
      const name = backupFileName(at, sequence, this.engine.format);
      if (await this.shelf.putIfAbsent(archiveTemp, name)) return name;
    }
    throw new BackupFailedError(`Backup failed: ${MAX_BACKUP_SEQUENCE + 1} backups already exist for this second`);
  }
}

/** Filesystem and SQLite failures that mean "cannot write there", as a clear domain error. */
function storageError(error: unknown, directoryStep: boolean): StorageUnavailableError | null {
  if (error instanceof DomainError) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  const reason = (text: string) => new StorageUnavailableError(`Backup failed: ${text} (${code}); nothing was written`);
  if (['EACCES', 'EPERM', 'EROFS', 'SQLITE_READONLY', 'SQLITE_CANTOPEN'].includes(code)) return reason('BACKUP_DIR is not writable');
  if (code === 'ENOTDIR' || (directoryStep && code === 'EEXIST')) return reason('BACKUP_DIR is not a directory, or part of its path is a file');
  if (['ENOSPC', 'EDQUOT', 'SQLITE_FULL'].includes(code)) return reason('there is not enough disk space in BACKUP_DIR');
  return null;
}

/** What a one-off backup outside the running service needs (the CLI, a restore point, the backup before an adoption). */
export interface OneOffBackup {
  settings: BackupSettings;
  clock: Clock;
  engine: BackupEngine;
  files: BackupFiles;
  /** false for a restore point or the backup before an adoption: an old backup may be the one being restored. */
  applyRetention: boolean;
  /** Where it goes; BACKUP_DIR unless given. */
  shelf?: BackupShelf;
}

/** A backup with the service's naming, verification and retention, but no metrics: no scrape sees this process. */
export function takeOneOffBackup({ settings, clock, engine, files, applyRetention, shelf }: OneOffBackup): Promise<BackupInfo> {
  return new BackupService(settings, clock, engine, NO_BACKUP_METRICS, files, shelf).backup({ applyRetention });
}
