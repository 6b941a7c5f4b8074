import { join } from 'node:path';
import type { BackupTarget, S3Settings } from '../../config/app-config.js';
import type { BackupFiles } from './backup-files.js';

export interface ShelvedBackup {
  name: string;
  sizeBytes: number;
}

/**
 * Where finished, verified backups are kept: BACKUP_DIR itself, or the bucket. A backup is
 * always written and checked in BACKUP_DIR first (under a temp name); the shelf then takes it
 * whole under its final name, or not at all.
 */
export abstract class BackupShelf {
  /** For messages and answers: BACKUP_DIR, or `s3://bucket/prefix`. */
  abstract readonly location: string;
  /** Elsewhere than BACKUP_DIR: a restore fetches a copy first (and removes it after). */
  abstract readonly remote: boolean;
  /** Every file on the shelf (the service picks the backup names out). */
  abstract list(): Promise<ShelvedBackup[]>;
  /** Puts the local archive on the shelf as `name`, unless a backup has that name (false). */
  abstract putIfAbsent(localArchive: string, name: string): Promise<boolean>;
  abstract remove(name: string): Promise<void>;
  /** Where a shelved backup is, in answers and logs. */
  abstract locationOf(name: string): string;
  /** A local copy of a shelved backup in `dir` (under `localName`) for a restore to read; null when there is none. */
  abstract fetch(name: string, dir: string, localName: string): Promise<string | null>;
}

/** Backups kept in BACKUP_DIR, where they are written. */
export class FsBackupShelf extends BackupShelf {
  readonly remote = false;
  constructor(
    private readonly dir: string,
    private readonly files: BackupFiles,
  ) {
    super();
  }

  get location(): string {
    return this.dir;
  }

  list(): Promise<ShelvedBackup[]> {
    return this.files.listFiles(this.dir);
  }

  /** A hard link: the name is taken atomically, or not at all. */
  putIfAbsent(localArchive: string, name: string): Promise<boolean> {
    return this.files.linkIfAbsent(localArchive, join(this.dir, name));
  }

  remove(name: string): Promise<void> {
    return this.files.remove(join(this.dir, name));
  }

  locationOf(name: string): string {
    return join(this.dir, name);
  }

  /** Already local: the file itself. */
  async fetch(name: string): Promise<string | null> {
    const path = join(this.dir, name);
    return (await this.files.size(path)) === null ? null : path;
  }
}

/** The shelf BACKUP_TARGET names (the S3 client is loaded only for a bucket: it costs every start). */
export async function backupShelfFor(backup: { dir: string; target: BackupTarget }, s3: S3Settings | undefined, files: BackupFiles): Promise<BackupShelf> {
  if (backup.target === 'fs') return new FsBackupShelf(backup.dir, files);
  if (!s3) throw new Error('BACKUP_TARGET=s3 needs S3_BUCKET (and the other S3_* settings)');
  const { S3BackupShelf } = await import('./s3-backup-shelf.js');
  return new S3BackupShelf(s3, files);
}
