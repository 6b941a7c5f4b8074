import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions, describeDataSource, ServiceDataSource } from './data-source-options.js';
import { DatabaseSize } from './database-size.js';
import { runPendingMigrations } from './pending-migrations.js';
import { WriteLock } from './write-lock.js';

/**
 * The database connection, SQLite or PostgreSQL as DATABASE_URL says. Pending migrations run
 * when it opens (under a lock on PostgreSQL), so a fresh clone or a new replica just starts.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => buildDataSourceOptions(config.database),
      dataSourceFactory: async (options) => {
        const dataSource = await new ServiceDataSource(options!).initialize();
        const logger = new Logger('Database');
        try {
          const ran = await runPendingMigrations(dataSource);
          const names = ran.map((migration) => migration.name).join(', ');
          logger.log(`${describeDataSource(options!)}: ${ran.length > 0 ? `ran migrations ${names}` : 'schema up to date'}`);
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
