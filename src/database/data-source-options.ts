import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { type DatabaseConfig, redactUrlPassword } from '../config/database-url.js';
import { ImageEntity } from '../images/image.entity.js';
import { GenerationJobEntity } from '../jobs/generation-job.entity.js';
import { JobLease } from '../maintenance/job-lease.entity.js';
import { SceneCacheCounters, SceneCacheEntry } from '../scenes/scene-cache-entry.entity.js';

export const ENTITIES = [ImageEntity, SceneCacheEntry, SceneCacheCounters, JobLease, GenerationJobEntity];

/** How this service's PostgreSQL sessions name themselves (pg_stat_activity); a restore looks for them. */
export const POSTGRES_APPLICATION_NAME = 'dnd-image-service';

/**
 * One definition of the database connection, shared by the app and ormconfig.ts (the CLI):
 * the driver DATABASE_URL chose, with that driver's migrations. The entities are the same.
 */
export function buildDataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS[database.driver], migrationsTableName: 'migrations', synchronize: false };
  if (database.driver === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      applicationName: POSTGRES_APPLICATION_NAME,
      // Transactions are short (nothing slow happens inside one), so a few connections per
      // replica serve many requests; pg's default of 10 leaves room for several replicas.
      poolSize: 10,
      connectTimeoutMS: 10_000,
      // Idle connections stay open: a running replica is then always visible in
      // pg_stat_activity, which is how `npm run restore` knows to refuse (pg's default closes
      // them after 10 s idle, and a quiet server would look stopped).
      extra: { idleTimeoutMillis: 0 },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    // better-sqlite3's busy timeout: wait for a lock held by another process (a backup, the CLI).
    timeout: 5000,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      // WAL makes NORMAL durable across application crashes and much faster than FULL.
      db.pragma('synchronous = NORMAL');
    },
  };
}

/**
 * The service's DataSource, for the app and the CLI. Entity date columns say `type: Date`,
 * which TypeORM takes for `datetime` on SQLite (as the migrations create them) but for
 * `timestamp` without time zone on PostgreSQL, where the migrations create `timestamptz`.
 * Reads and writes work either way (pg sends and parses instants), but a schema diff
 * (`migration:generate`) would rebuild every date column; so here they are `timestamptz`.
 */
export class ServiceDataSource extends DataSource {
  protected override async buildMetadatas(): Promise<void> {
    await super.buildMetadatas();
    if (this.options.type !== 'postgres') return;
    for (const column of this.entityMetadatas.flatMap((entity) => entity.columns)) {
      if (column.type === Date) column.type = 'timestamptz';
    }
  }
}

/** Which database, for the log: the driver and the file or the URL (password masked). */
export function describeDataSource(options: DataSourceOptions): string {
  if (options.type === 'postgres') return `PostgreSQL ${redactUrlPassword(options.url ?? '')}`;
  return `SQLite ${String(options.database)}`;
}

