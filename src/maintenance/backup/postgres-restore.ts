import type { Clock } from '../../common/clock.js';
import { redactUrlPassword } from '../../config/database-url.js';
import { POSTGRES_APPLICATION_NAME } from '../../database/data-source-options.js';
import type { BackupFiles } from './backup-files.js';
import type { BackupShelf } from './backup-shelf.js';
import { type BackupInfo, type BackupSettings, takeOneOffBackup } from './backup.service.js';
import { PostgresBackupEngine } from './postgres-backup.engine.js';
import { PostgresToolError, type PostgresTools } from './postgres-tools.js';
import { locateArchive, RestoreRefusedError, type RestoreResult } from './restore.js';
import { messageOf } from '../../common/errors.js';

export interface PostgresRestoreOptions {
  url: string;
  backup: BackupSettings;
  clock: Clock;
  /** Where a relative archive path starts; defaults to the working directory. */
  cwd?: string;
  /** false: no pg_dump of the current database first (e.g. when it cannot be dumped). */
  restorePoint?: boolean;
  tools: PostgresTools;
  files: BackupFiles;
  /** Where the restore point goes; BACKUP_DIR unless given. */
  shelf?: BackupShelf;
}

/** Every pg_dump custom-format archive starts with these bytes. */
const PG_DUMP_MAGIC = Buffer.from('PGDMP', 'latin1');

/**
 * Replaces the PostgreSQL database's contents with a `.pgdump` backup. Checks first (the
 * archive is a pg_dump archive of this service that pg_restore can read, no server of this
 * service is connected, the database holds no table the backup lacks), then takes a restore
 * point with pg_dump, then runs `pg_restore --clean --if-exists --no-owner --single-transaction`:
 * it all applies or, on any error, nothing does. Any refusal leaves the database untouched.
 */
export async function restorePostgresDatabase(archiveArgument: string, options: PostgresRestoreOptions): Promise<RestoreResult> {
  const { files, tools, url } = options;
  const archive = await locateArchive(archiveArgument, options, files);
  if (!(await files.head(archive, PG_DUMP_MAGIC.length)).equals(PG_DUMP_MAGIC)) {
    throw new RestoreRefusedError(`${archive} is not a pg_dump archive (PostgreSQL backups of this service end in .pgdump)`);
  }
  const archived = await tablesIn(archive, tools);
  if (!archived.has('migrations')) throw new RestoreRefusedError(`${archive} has no migrations table, so it is not a database of this service`);

  const current = await connected(url, () => tools.query<{ name: string }>(url, 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()'));
  const extra = current.map((table) => table.name).filter((name) => !archived.has(name));
  if (extra.length > 0) {
    throw new RestoreRefusedError(
      `The database has tables the backup lacks (${extra.join(', ')}), so it is newer than the backup; restore into an empty database instead (createdb, then DATABASE_URL pointing at it)`,
    );
  }
  await refuseWhileServersConnected(url, tools);
  const hasData = current.some((table) => table.name === 'migrations');
  const restorePoint = options.restorePoint === false || !hasData ? null : await takeRestorePoint(options, files, tools);
  await refuseWhileServersConnected(url, tools); // one may have started meanwhile
  try {
    await tools.restore(url, archive);
  } catch (error) {
    if (!(error instanceof PostgresToolError)) throw error;
    throw new RestoreRefusedError(`${error.message} (pg_restore ran in one transaction, so it was rolled back)`);
  }
  return { archive, database: redactUrlPassword(url), restorePoint };
}

/** The names of the tables an archive holds, from `pg_restore --list`. */
async function tablesIn(archive: string, tools: PostgresTools): Promise<Set<string>> {
  let contents: string;
  try {
    contents = await tools.contents(archive);
  } catch (error) {
    throw new RestoreRefusedError(`${archive} cannot be read as a pg_dump archive (${messageOf(error)})`);
  }
  // e.g. "215; 1259 16390 TABLE public images postgres" (TABLE DATA lines are the rows).
  return new Set([...contents.matchAll(/^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+)/gm)].map((match) => match[1]));
}

async function refuseWhileServersConnected(url: string, tools: PostgresTools): Promise<void> {
  const [{ sessions }] = await connected(url, () =>
    tools.query<{ sessions: number }>(
      url,
      'SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
      [POSTGRES_APPLICATION_NAME],
    ),
  );
  if (sessions > 0) {
    throw new RestoreRefusedError(`${sessions} connection(s) of a running server use the database; stop every replica of the service first`);
  }
}

async function takeRestorePoint(options: PostgresRestoreOptions, files: BackupFiles, tools: PostgresTools): Promise<BackupInfo> {
  try {
    const engine = new PostgresBackupEngine(options.url, tools);
    return await takeOneOffBackup({ settings: options.backup, clock: options.clock, engine, files, applyRetention: false, shelf: options.shelf });
  } catch (error) {
    throw new RestoreRefusedError(
      `Could not take a restore point of the current database, so nothing was changed: ${messageOf(error)}. To restore without one, run again with --without-restore-point`,
    );
  }
}

/** A query's answer, or a refusal saying the database could not be reached. */
async function connected<T>(url: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    throw new RestoreRefusedError(`Cannot query ${redactUrlPassword(url)}: ${messageOf(error)}`);
  }
}
