import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { parseAppConfig } from './src/config/app-config.js';
import { buildDataSourceOptions, ServiceDataSource } from './src/database/data-source-options.js';

/** The TypeORM DataSource for the CLI (`npm run migration:*`), configured like the app: SQLite or PostgreSQL by DATABASE_URL. */
if (existsSync('.env')) process.loadEnvFile('.env');

export default new ServiceDataSource(buildDataSourceOptions(parseAppConfig(process.env).database));
