import type { DataSource, Migration } from 'typeorm';

/**
 * The key of the PostgreSQL advisory lock held while migrations run ("dndmig" in ASCII): any
 * constant does, as long as nothing else in the database uses it.
 */
export const MIGRATION_LOCK_KEY = 0x646e646d6967;

/**
 * Runs pending migrations, all in one transaction. On PostgreSQL, replicas starting together
 * would race (both see an empty database and both create tables), so each first takes a
 * session advisory lock on a connection of its own: the first migrates, the others wait,
 * then find nothing pending. SQLite needs no lock: one process owns the file.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'postgres') return dataSource.runMigrations({ transaction: 'all' });
  const lockHolder = dataSource.createQueryRunner();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockHolder.release();
  }
}
