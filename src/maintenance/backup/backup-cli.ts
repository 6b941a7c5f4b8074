import { existsSync } from 'node:fs';
import { type CliOutput, configFrom, CONSOLE, loadEnv, quietNestLogger } from '../../cli/cli-support.js';
import { SystemClock } from '../../common/clock.js';
import type { AppConfig } from '../../config/app-config.js';
import type { BackupEngine } from './backup-engine.js';
import { BackupFiles } from './backup-files.js';
import { NO_BACKUP_METRICS } from './backup.metrics.js';
import { type BackupInfo, BackupService } from './backup.service.js';
import { PostgresBackupEngine } from './postgres-backup.engine.js';
import { PostgresTools } from './postgres-tools.js';
import { restorePostgresDatabase } from './postgres-restore.js';
import { restoreDatabase } from './restore.js';
import { SqliteBackupEngine } from './sqlite-backup.engine.js';
import { messageOf } from '../../common/errors.js';
import { type SqliteHandle, SqliteFiles } from './sqlite-files.js';


/**
 * `npm run backup`: one backup with the server's code, whether the server runs or not (SQLite:
 * an online backup through a connection of our own; PostgreSQL: pg_dump). Answers the exit code.
 */
export async function runBackupCli(env: NodeJS.ProcessEnv = loadEnv(), output: CliOutput = CONSOLE): Promise<number> {
  quietNestLogger();
  const config = configFrom(env, output);
  if (!config) return 1;
  const { database } = config;
  if (database.driver === 'postgres') return report(() => backupWith(config, new PostgresBackupEngine(database.url, new PostgresTools())), output);
  if (!existsSync(database.path)) {
    output.err(`Backup failed: there is no database at ${database.path} (DATABASE_URL)`);
    return 1;
  }
  let db: SqliteHandle;
  try {
    db = new SqliteFiles().open(database.path);
  } catch (error) {
    output.err(`Backup failed: cannot open ${database.path}: ${messageOf(error)}`);
    return 1;
  }
  try {
    return await report(() => backupWith(config, new SqliteBackupEngine(() => db, new BackupFiles(), new SqliteFiles())), output);
  } finally {
    db.close();
  }
}

function backupWith(config: AppConfig, engine: BackupEngine): Promise<BackupInfo> {
  return new BackupService(config.backup, new SystemClock(), engine, NO_BACKUP_METRICS, new BackupFiles()).backup();
}

async function report(backup: () => Promise<BackupInfo>, output: CliOutput): Promise<number> {
  try {
    const written = await backup();
    output.out(`Backup written: ${written.path} (${written.sizeBytes} bytes)`);
    return 0;
  } catch (error) {
    output.err(messageOf(error).startsWith('Backup failed') ? messageOf(error) : `Backup failed: ${messageOf(error)}`);
    return 1;
  }
}

/** For a damaged current database: keep its files aside instead of backing it up first. */
const WITHOUT_RESTORE_POINT = '--without-restore-point';

/** `npm run restore -- <file>`: a path, or a name in BACKUP_DIR. Answers the exit code. */
export async function runRestoreCli(args: string[], env: NodeJS.ProcessEnv = loadEnv(), output: CliOutput = CONSOLE): Promise<number> {
  quietNestLogger();
  const withoutRestorePoint = args.includes(WITHOUT_RESTORE_POINT);
  const files = args.filter((arg) => arg !== WITHOUT_RESTORE_POINT);
  if (files.length !== 1 || files[0].startsWith('-')) {
    output.err(`Usage: npm run restore -- <backup file: a path, or a file name in BACKUP_DIR> [${WITHOUT_RESTORE_POINT}]`);
    return 2;
  }
  const config = configFrom(env, output);
  if (!config) return 1;
  try {
    const { database } = config;
    const common = { backup: config.backup, clock: new SystemClock(), restorePoint: !withoutRestorePoint };
    const result =
      database.driver === 'postgres'
        ? await restorePostgresDatabase(files[0], { ...common, url: database.url })
        : await restoreDatabase(files[0], { ...common, databasePath: database.path });
    if (result.restorePoint) output.out(`Restore point: ${result.restorePoint.path} (${result.restorePoint.sizeBytes} bytes)`);
    output.out(`Restored ${result.database} from ${result.archive}`);
    return 0;
  } catch (error) {
    output.err(`Restore refused: ${messageOf(error).replace(/\.$/, '')}. The current database was not changed.`);
    return 1;
  }
}

/** Like ormconfig.ts: `.env` fills in what the environment does not set. */
