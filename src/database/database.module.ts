import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { NO_BACKUP_METRICS } from '../maintenance/backup/backup.metrics.js';
import { BackupService } from '../maintenance/backup/backup.service.js';
import { SqliteBackupEngine } from '../maintenance/backup/sqlite-backup.engine.js';
import type { SqliteHandle } from '../maintenance/backup/sqlite-files.js';
import { buildDataSourceOptions, describeDataSource, ServiceDataSource } from './data-source-options.js';
import { DatabaseSize } from './database-size.js';
import { runPendingMigrations } from './pending-migrations.js';
import { WriteLock } from './write-lock.js';
import { setAsideLegacyTables } from './legacy-schema.js';

/**
 * The database connection, SQLite or PostgreSQL as DATABASE_URL says. Pending migrations run
 * when it opens (under a lock on PostgreSQL), so a fresh clone or a new replica just starts.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, Clock],
      useFactory: (config: AppConfig, clock: Clock) => ({ ...buildDataSourceOptions(config.database), backup: config.backup, clock }),
      dataSourceFactory: async (options) => {
        const { backup, clock, ...dataSourceOptions } = options as DataSourceOptions & { backup: AppConfig['backup']; clock: Clock };
        const dataSource = await new ServiceDataSource(dataSourceOptions).initialize();
        const logger = new Logger('Database');
        try {
          const setAside = await setAsideLegacyTables(dataSource, () => backUpBeforeAdoption(dataSource, backup, clock));
          if (setAside) logger.warn(`This is an old FastAPI backend's database: backed up to ${setAside.backupFile}; its images and scenes are adopted once the service is up`);
          const ran = await runPendingMigrations(dataSource);
          const names = ran.map((migration) => migration.name).join(', ');
          logger.log(`${describeDataSource(dataSourceOptions)}: ${ran.length > 0 ? `ran migrations ${names}` : 'schema up to date'}`);
        } catch (error) {
          await dataSource.destroy();
          throw error;
        }
        return dataSource;
      },
    }),
  ],
  providers: [WriteLock, DatabaseSize],
  exports: [WriteLock, DatabaseSize],
})
export class DatabaseModule {}

/** A verified online backup (SqliteBackupEngine) into BACKUP_DIR, before anything is changed; answers its path. */
async function backUpBeforeAdoption(dataSource: DataSource, backup: AppConfig['backup'], clock: Clock): Promise<string> {
  const connection = () => (dataSource.driver as BetterSqlite3Driver).databaseConnection as SqliteHandle;
  const written = await new BackupService(backup, clock, new SqliteBackupEngine(connection), NO_BACKUP_METRICS).backup({ applyRetention: false });
  return written.path;
}
