import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager, Migration } from 'typeorm';
import type { BetterSqlite3Driver } from 'typeorm/driver/better-sqlite3/BetterSqlite3Driver.js';
import { sizeIfExists } from '../common/fs-if-exists.js';
import type { DatabaseConfig, DatabaseDriver } from '../config/database-url.js';
import type { BackupEngine } from '../maintenance/backup/backup-engine.js';
import { BackupFiles } from '../maintenance/backup/backup-files.js';
import { PostgresBackupEngine } from '../maintenance/backup/postgres-backup.engine.js';
import { PostgresTools } from '../maintenance/backup/postgres-tools.js';
import { SqliteBackupEngine } from '../maintenance/backup/sqlite-backup.engine.js';
import { type SqliteHandle, SqliteFiles } from '../maintenance/backup/sqlite-files.js';
import { claimDatabase, releaseDatabase } from './server-pid-file.js';

/** Where the words of a search are matched, and what for. */
export type TextMatchUse = 'page' | 'count';

/**
 * What differs between SQLite and PostgreSQL, in one place: chosen once by DatabaseModule from
 * DATABASE_URL and injected, so repositories and services never ask which driver they run on.
 */
export abstract class DatabaseDialect implements OnModuleInit, OnApplicationShutdown {
  abstract readonly driver: DatabaseDriver;

  /** Runs pending migrations, all in one transaction, safely when replicas start together. */
  abstract runPendingMigrations(): Promise<Migration[]>;

  /** While the service runs: marks the database as in use, where the driver needs a mark for restores to see. */
  async onModuleInit(): Promise<void> {}

  async onApplicationShutdown(): Promise<void> {}

  /**
   * `q`: every word must start a word of the prompt or style (words are runs of letters and
   * digits, case and accents ignored), answered by the driver's full-text index. The words are
   * bound as one parameter, quoted, so nothing in them is query syntax.
   */
  abstract textMatch(words: string[], use: TextMatchUse): { condition: string; parameters: Record<string, string> };

  /** Live images (matching the words), counted the fastest way the driver knows; undefined to count the plain way. */
  abstract countLiveFast(manager: EntityManager, words: string[]): Promise<number | undefined>;

  /** Inside a write transaction: queues writers of the same item from every replica until commit. */
  abstract lockItem(manager: EntityManager, itemId: string): Promise<void>;

  /** Room the database takes. */
  abstract sizeBytes(): Promise<number>;

  /** How this database is backed up while the service runs. */
  abstract backupEngine(): BackupEngine;
}

export class SqliteDialect extends DatabaseDialect {
  readonly driver = 'sqlite' as const;

  constructor(
    private readonly path: string,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  /** One process owns the file: nothing to race with. */
  runPendingMigrations(): Promise<Migration[]> {
    return this.dataSource.runMigrations({ transaction: 'all' });
  }

  /** `<database>.pid`, so `npm run restore` refuses to swap the file under a running server. */
  override async onModuleInit(): Promise<void> {
    const other = await claimDatabase(this.path);
    if (other !== null) new Logger('Database').warn(`Another server (pid ${other}) also uses this database`);
  }

  override async onApplicationShutdown(): Promise<void> {
    await releaseDatabase(this.path);
  }

  textMatch(words: string[], use: TextMatchUse) {
    const match = ftsQuery(words);
    // For a page, the unary `+` keeps SQLite from fetching every match by rowid and sorting them
    // (a common word matches thousands): it walks the date index instead, keeping rows that
    // match, and stops after one page. The count does want the matches by rowid.
    const rowid = use === 'page' ? '+image.rowid' : 'image.rowid';
    return { condition: `${rowid} IN (SELECT rowid FROM images_fts WHERE images_fts MATCH :match)`, parameters: { match } };
  }

  /**
   * SQLite counts every row of a table, or every match in FTS5, without visiting them, but
   * counting only live rows means visiting each (~5 ms for 100k). So: all (or all matching)
   * minus the deleted ones, which are few and have their own partial index.
   */
  async countLiveFast(manager: EntityManager, words: string[]): Promise<number> {
    const deleted = `SELECT COUNT(*) FROM "images" WHERE "deleted_at" IS NOT NULL`;
    if (words.length === 0) {
      const [row] = (await manager.query(`SELECT (SELECT COUNT(*) FROM "images") - (${deleted}) AS "total"`)) as Array<{ total: number }>;
      return Number(row.total);
    }
    const match = ftsQuery(words);
    const [row] = (await manager.query(
      `SELECT (SELECT COUNT(*) FROM images_fts WHERE images_fts MATCH ?) - (${deleted} AND +rowid IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)) AS "total"`,
      [match, match],
    )) as Array<{ total: number }>;
    return Number(row.total);
  }

  /** One process writes SQLite, and the WriteLock already runs one writer at a time. */
  async lockItem(): Promise<void> {}

  /** The file plus its write-ahead log (recent commits until a checkpoint). */
  async sizeBytes(): Promise<number> {
    const sizes = await Promise.all(['', '-wal'].map((suffix) => sizeIfExists(`${this.path}${suffix}`)));
    return sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
  }

  /** The online backup API through the live connection TypeORM writes through, so the backup sees every committed write. */
  backupEngine(): BackupEngine {
    const connection = () => (this.dataSource.driver as BetterSqlite3Driver).databaseConnection as SqliteHandle;
    return new SqliteBackupEngine(connection, new BackupFiles(), new SqliteFiles());
  }
}

export class PostgresDialect extends DatabaseDialect {
  readonly driver = 'postgres' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly url: string,
  ) {
    super();
  }

  /**
   * Replicas starting together would race (both see an empty database and both create tables),
   * so each first takes a session advisory lock on a connection of its own: the first migrates,
   * the others wait, then find nothing pending.
   */
  async runPendingMigrations(): Promise<Migration[]> {
    const lockHolder = this.dataSource.createQueryRunner();
    try {
      await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await this.dataSource.runMigrations({ transaction: 'all' });
      } finally {
        await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await lockHolder.release();
    }
  }

  textMatch(words: string[]) {
    const query = words.map((word) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`).join(' & ');
    return { condition: `${POSTGRES_SEARCH_DOCUMENT} @@ to_tsquery('images_search', :query)`, parameters: { query } };
  }

  /** A GIN index count is already the plain way. */
  async countLiveFast(): Promise<undefined> {
    return undefined;
  }

  /** An advisory lock held until commit, keyed by the item, in a key space of its own. */
  async lockItem(manager: EntityManager, itemId: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ITEM_LOCK_SPACE, itemId]);
  }

  async sizeBytes(): Promise<number> {
    const [row] = (await this.dataSource.query('SELECT pg_database_size(current_database()) AS bytes')) as Array<{ bytes: string }>;
    return Number(row.bytes); // a bigint, which pg answers as text
  }

  /** pg_dump, verified with pg_restore. */
  backupEngine(): BackupEngine {
    return new PostgresBackupEngine(this.url, new PostgresTools());
  }
}

export function dialectFor(database: DatabaseConfig, dataSource: DataSource): DatabaseDialect {
  return database.driver === 'postgres' ? new PostgresDialect(dataSource, database.url) : new SqliteDialect(database.path, dataSource);
}

function ftsQuery(words: string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"*`).join(' ');
}

/** What `idx_images_search` indexes (the PostgreSQL CreateImages migration): the same expression, or the planner cannot use the index. */
const POSTGRES_SEARCH_DOCUMENT = `to_tsvector('images_search', regexp_replace("image"."prompt" || ' ' || coalesce("image"."style", ''), '[[:punct:]]+', ' ', 'g'))`;

/**
 * The key of the PostgreSQL advisory lock held while migrations run ("dndmig" in ASCII): any
 * constant does, as long as nothing else in the database uses it.
 */
export const MIGRATION_LOCK_KEY = 0x646e646d6967;

/** The first key of the per-item advisory locks, keeping them apart from other uses of hashtext keys. */
const ITEM_LOCK_SPACE = 0x696d67; // "img"
