import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { SystemClock } from '../../common/clock.js';
import { type AppConfig, ConfigValidationError, parseAppConfig } from '../../config/app-config.js';
import { BackupService } from './backup.service.js';
import { restoreDatabase } from './restore.js';
import { messageOf, SqliteFiles } from './sqlite-files.js';

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const CONSOLE: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/**
 * `npm run backup`: one backup with the server's code, whether the server runs or not
 * (SQLite's online backup through a connection of our own). Answers the exit code.
 */
export async function runBackupCli(env: NodeJS.ProcessEnv = loadEnv(), output: CliOutput = CONSOLE): Promise<number> {
  quietNestLogger();
  const config = configFrom(env, output);
  if (!config) return 1;
  const sqlite = new SqliteFiles();
  if (!existsSync(config.database.path)) {
    output.err(`Backup failed: there is no database at ${config.database.path} (DATABASE_URL)`);
    return 1;
  }
  let db;
  try {
    db = sqlite.open(config.database.path);
  } catch (error) {
    output.err(`Backup failed: cannot open ${config.database.path}: ${messageOf(error)}`);
    return 1;
  }
  try {
    const backup = await new BackupService(config.backup, new SystemClock(), () => db).backup();
    output.out(`Backup written: ${backup.path} (${backup.sizeBytes} bytes)`);
    return 0;
  } catch (error) {
    output.err(messageOf(error).startsWith('Backup failed') ? messageOf(error) : `Backup failed: ${messageOf(error)}`);
    return 1;
  } finally {
    db.close();
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
    const result = await restoreDatabase(files[0], {
      databasePath: config.database.path,
      backup: config.backup,
      clock: new SystemClock(),
      restorePoint: !withoutRestorePoint,
    });
    if (result.restorePoint) output.out(`Restore point: ${result.restorePoint.path} (${result.restorePoint.sizeBytes} bytes)`);
    output.out(`Restored ${result.databasePath} from ${result.archive}`);
    return 0;
  } catch (error) {
    output.err(`Restore refused: ${messageOf(error).replace(/\.$/, '')}. The current database was not changed.`);
    return 1;
  }
}

/** Like ormconfig.ts: `.env` fills in what the environment does not set. */
function loadEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

function configFrom(env: NodeJS.ProcessEnv, output: CliOutput): AppConfig | null {
  try {
    return parseAppConfig(env);
  } catch (error) {
    output.err(error instanceof ConfigValidationError ? error.message : messageOf(error));
    return null;
  }
}

/**
 * The CLI prints its own result lines; of the service's log, only warnings (say, a failed
 * clean-up of old backups) are shown, as plain lines on stderr.
 */
function quietNestLogger(): void {
  Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (message: unknown) => console.error(`Warning: ${String(message)}`) });
}
