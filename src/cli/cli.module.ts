import { type DynamicModule, Module } from '@nestjs/common';
import { Clock, SystemClock } from '../common/clock.js';
import { AppConfigModule } from '../config/app-config.module.js';
import { AppConfig } from '../config/app-config.js';
import { AdoptCommand } from '../import/adoption/adopt.command.js';
import { BackupCommand } from '../maintenance/backup/backup.command.js';
import { BackupFiles } from '../maintenance/backup/backup-files.js';
import { backupShelfFor } from '../maintenance/backup/backup-shelf.js';
import { OfflineDatabase, offlineDatabaseFor } from '../maintenance/backup/offline-database.js';
import { PostgresTools } from '../maintenance/backup/postgres-tools.js';
import { RestoreCommand } from '../maintenance/backup/restore.command.js';
import { SqliteFiles } from '../maintenance/backup/sqlite-files.js';
import { StorageCopyCommand } from '../storage/storage-copy.command.js';
import { CliEnvironment, CliOutput } from './cli-support.js';

/**
 * The command-line tools: the service's validated configuration and its backup adapters, but
 * not its database module, which would open (and migrate) the database a restore replaces.
 * `adopt` starts the whole service's modules itself, as the server would.
 */
@Module({})
export class CliModule {
  static async forRoot(env: NodeJS.ProcessEnv, output: CliOutput): Promise<DynamicModule> {
    return {
      module: CliModule,
      imports: [await AppConfigModule.forRoot({ env })],
      providers: [
        { provide: CliOutput, useValue: output },
        { provide: CliEnvironment, useValue: { env } },
        { provide: Clock, useClass: SystemClock },
        BackupFiles,
        SqliteFiles,
        PostgresTools,
        {
          provide: OfflineDatabase,
          inject: [AppConfig, Clock, BackupFiles, SqliteFiles, PostgresTools],
          useFactory: async (config: AppConfig, clock: Clock, files: BackupFiles, sqlite: SqliteFiles, postgres: PostgresTools) =>
            offlineDatabaseFor(config.database, config.backup, { clock, files, sqlite, postgres, shelf: await backupShelfFor(config.backup, config.storage.s3, files) }),
        },
        BackupCommand,
        RestoreCommand,
        AdoptCommand,
        StorageCopyCommand,
      ],
    };
  }
}
