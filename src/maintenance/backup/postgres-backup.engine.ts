import { BackupFailedError, type BackupEngine } from './backup-engine.js';
import { PostgresToolError, PostgresTools } from './postgres-tools.js';

/** Said wherever a backup is asked for on PostgreSQL without pg_dump: the route, the job, health. */
export const PG_RESTORE_MISSING =
  'pg_restore is not installed (backups are verified with it): install the PostgreSQL client tools, or rely on your PostgreSQL server\'s own backups';
export const PG_DUMP_MISSING =
  "pg_dump is not installed; rely on your PostgreSQL server's own backups (pg_dump/pg_basebackup/managed snapshots), or install the PostgreSQL client tools";

/**
 * PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, whatever the replicas write
 * meanwhile), verified by reading it back with `pg_restore --list`.
 */
export class PostgresBackupEngine implements BackupEngine {
  readonly format = 'pgdump';

  constructor(
    private readonly url: string,
    private readonly tools: PostgresTools,
  ) {}

  async unavailableReason(): Promise<string | null> {
    if (!(await this.tools.find('pg_dump'))) return PG_DUMP_MISSING;
    // Every archive is verified by reading it back; without pg_restore none could be kept.
    if (!(await this.tools.find('pg_restore'))) return PG_RESTORE_MISSING;
    return null;
  }

  async writeArchive(target: string): Promise<void> {
    try {
      await this.tools.dump(this.url, target);
      await this.tools.contents(target);
    } catch (error) {
      if (error instanceof PostgresToolError) throw new BackupFailedError(`Backup failed: ${error.message}; nothing was kept`);
      throw error;
    }
  }
}
