import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { Clock } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { BackupFiles } from '../maintenance/backup/backup-files.js';
import { takeOneOffBackup } from '../maintenance/backup/backup.service.js';
import { buildDataSourceOptions, describeDataSource, ServiceDataSource } from './data-source-options.js';
import { DatabaseDialect, dialectFor } from './database-dialect.js';
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
      useFactory: (config: AppConfig, clock: Clock) => ({ ...buildDataSourceOptions(config.database), config, clock }),
      dataSourceFactory: async (options) => {
        const { config, clock, ...dataSourceOptions } = options as DataSourceOptions & { config: AppConfig; clock: Clock };
        const dataSource = await new ServiceDataSource(dataSourceOptions).initialize();
        const logger = new Logger('Database');
        try {
          const dialect = dialectFor(config.database, dataSource);
          const setAside = await setAsideLegacyTables(dataSource, () => backUpBeforeAdoption(dialect, config, clock));
          if (setAside) logger.warn(`This is an old FastAPI backend's database: backed up to ${setAside.backupFile}; its images and scenes are adopted once the service is up`);
          const ran = await dialect.runPendingMigrations();
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
  providers: [
    WriteLock,
    { provide: DatabaseDialect, inject: [AppConfig, DataSource], useFactory: (config: AppConfig, dataSource: DataSource) => dialectFor(config.database, dataSource) },
  ],
  exports: [WriteLock, DatabaseDialect],
})
export class DatabaseModule {}

/** A verified online backup into BACKUP_DIR (an old backend's database is SQLite), before anything is changed; answers its path. */
async function backUpBeforeAdoption(dialect: DatabaseDialect, config: AppConfig, clock: Clock): Promise<string> {
  const written = await takeOneOffBackup({ settings: config.backup, clock, engine: dialect.backupEngine(), files: new BackupFiles(), applyRetention: false });
  return written.path;
}
