/**
 * Backup file names, in one place: the generator, the one pattern every reader uses
 * (list, retention, metrics) and the parser of the timestamp in a name. They are tested
 * together, so a change to the name cannot silently stop retention from matching.
 *
 * A backup is `dnd_game_YYYYMMDD_HHMMSS.<format>` (UTC, the original's name): `.db.gz` for a
 * gzipped SQLite database, `.pgdump` for a pg_dump custom-format archive. When two backups
 * finish within the same second (the server's and the CLI's, or a restore point), the later
 * one gets a sequence suffix: `dnd_game_YYYYMMDD_HHMMSS_1.db.gz`, `_2`, … up to `_999`.
 */
export type BackupFormat = 'db.gz' | 'pgdump';

export const BACKUP_NAME_PATTERN = /^dnd_game_(\d{8})_(\d{6})(?:_([1-9]\d{0,2}))?\.(db\.gz|pgdump)$/;

/**
 * Files a backup writes before its final name: the archive being written and, for SQLite,
 * the raw copy (`.db`). The random token keeps two processes backing up in the same second apart.
 */
export const BACKUP_TEMP_PATTERN = /^dnd_game_(\d{8})_(\d{6})\.[0-9a-f]{8}\.(?:db|db\.gz|pgdump)\.tmp$/;

/** What a backup writes under a temp name: its archive, or an intermediate file. */
export type BackupTempKind = BackupFormat | 'db';

export const MAX_BACKUP_SEQUENCE = 999;

export interface ParsedBackupName {
  createdAt: Date;
  /** 0 for the plain name, n for `_n`. */
  sequence: number;
  format: BackupFormat;
}

/** `dnd_game_20260101_020000.db.gz` for 2026-01-01T02:00:00Z (milliseconds dropped). */
export function backupFileName(at: Date, sequence = 0, format: BackupFormat = 'db.gz'): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > MAX_BACKUP_SEQUENCE) {
    throw new RangeError(`Backup sequence must be an integer from 0 to ${MAX_BACKUP_SEQUENCE}`);
  }
  return `dnd_game_${stamp(at)}${sequence === 0 ? '' : `_${sequence}`}.${format}`;
}

/** A temp name for a backup started at `at`; `token` is 8 hex digits. */
export function backupTempName(at: Date, kind: BackupTempKind, token: string): string {
  if (!/^[0-9a-f]{8}$/.test(token)) throw new RangeError('Backup temp token must be 8 hex digits');
  return `dnd_game_${stamp(at)}.${token}.${kind}.tmp`;
}

/** The timestamp and sequence of a backup name; null for any other name. */
export function parseBackupName(name: string): ParsedBackupName | null {
  const match = BACKUP_NAME_PATTERN.exec(name);
  if (!match) return null;
  const createdAt = parseStamp(match[1], match[2]);
  return createdAt && { createdAt, sequence: match[3] ? Number(match[3]) : 0, format: match[4] as BackupFormat };
}

/** When the backup owning a temp file started; null for any other name. */
export function parseBackupTempName(name: string): Date | null {
  const match = BACKUP_TEMP_PATTERN.exec(name);
  return match ? parseStamp(match[1], match[2]) : null;
}

function stamp(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('Invalid backup date');
  const iso = at.toISOString(); // 2026-01-01T02:00:00.000Z
  if (!/^\d{4}-/.test(iso)) throw new RangeError('Backup dates need a four-digit year');
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** A real UTC date and time, or null (20261340_250000 is not a timestamp). */
function parseStamp(date: string, time: string): Date | null {
  const [year, month, day] = [Number(date.slice(0, 4)), Number(date.slice(4, 6)), Number(date.slice(6, 8))];
  const [hour, minute, second] = [Number(time.slice(0, 2)), Number(time.slice(2, 4)), Number(time.slice(4, 6))];
  const parsed = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const exact =
    parsed.getUTCFullYear() === year &&
    parsed.getUTCMonth() === month - 1 &&
    parsed.getUTCDate() === day &&
    parsed.getUTCHours() === hour &&
    parsed.getUTCMinutes() === minute &&
    parsed.getUTCSeconds() === second;
  return exact ? parsed : null;
}
