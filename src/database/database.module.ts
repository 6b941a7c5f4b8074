import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { WriteLock } from './write-lock.js';

/** The database connection; pending migrations run when it opens, so a fresh clone just starts. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ ...buildDataSourceOptions(config.database), migrationsRun: true }),
    }),
  ],
  providers: [WriteLock],
  exports: [WriteLock],
})
export class DatabaseModule {}
