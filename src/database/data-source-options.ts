import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import type { AppConfig } from '../config/app-config.js';
import { ImageEntity } from '../images/image.entity.js';
import { SceneCacheCounters, SceneCacheEntry } from '../scenes/scene-cache-entry.entity.js';

export const ENTITIES = [ImageEntity, SceneCacheEntry, SceneCacheCounters];

/** One definition of the database connection, shared by the app and ormconfig.ts (the CLI). */
export function buildDataSourceOptions(database: AppConfig['database']): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: database.path,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    enableWAL: true,
    // better-sqlite3's busy timeout: wait for a lock held by another process (a backup, the CLI).
    timeout: 5000,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      // WAL makes NORMAL durable across application crashes and much faster than FULL.
      db.pragma('synchronous = NORMAL');
    },
  };
}
