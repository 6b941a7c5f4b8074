import type { DataSource } from 'typeorm';

/** The old FastAPI backend's tables: `image_assets` and `scene_cache`, with Alembic's version table. */
export const LEGACY_IMAGES_TABLE = 'image_assets';
export const LEGACY_SCENES_TABLE = 'scene_cache';
/** Where an upgrade in place moves the old `scene_cache`, whose name this service uses. */
export const SET_ASIDE_SCENES_TABLE = 'legacy_scene_cache';
/** One row per upgrade in place: its backup, when it started and finished, what it did. */
export const ADOPTION_TABLE = 'legacy_adoption';

export interface PendingAdoption {
  id: number;
  backupFile: string;
}

/**
 * When DATABASE_URL names an old backend's SQLite database (the upgrade in place: the
 * service started in the old backend's folder), this runs before migrations, whose
 * `scene_cache` the old one would block: a verified backup of the file first, then, in one
 * transaction, the old scene table set aside and a row saying adoption is due (the rows are
 * adopted once the application is up: InPlaceAdoption). Anything else is left alone, fast:
 * one look at the table names.
 */
export async function setAsideLegacyTables(dataSource: DataSource, backup: () => Promise<string>): Promise<PendingAdoption | undefined> {
  if (dataSource.options.type !== 'better-sqlite3') return undefined;
  const tables = await tableNames(dataSource);
  if (tables.has(ADOPTION_TABLE) || !tables.has(LEGACY_IMAGES_TABLE) || !tables.has('alembic_version') || !tables.has(LEGACY_SCENES_TABLE)) return undefined;
  const sceneColumns = (await dataSource.query(`PRAGMA table_info("${LEGACY_SCENES_TABLE}")`)) as Array<{ name: string }>;
  if (!sceneColumns.some((column) => column.name === 'location')) return undefined;

  const backupFile = await backup();
  await dataSource.transaction(async (manager) => {
    await manager.query(`ALTER TABLE "${LEGACY_SCENES_TABLE}" RENAME TO "${SET_ASIDE_SCENES_TABLE}"`);
    await manager.query(
      `CREATE TABLE "${ADOPTION_TABLE}" ("id" integer PRIMARY KEY, "backup_file" text NOT NULL, "started_at" datetime NOT NULL, "completed_at" datetime, "report" text)`,
    );
    await manager.query(`INSERT INTO "${ADOPTION_TABLE}" ("backup_file", "started_at") VALUES (?, ?)`, [backupFile, new Date().toISOString()]);
  });
  return pendingAdoption(dataSource);
}

/** The upgrade in place begun and not finished (a run stopped part way), if any. */
export async function pendingAdoption(dataSource: DataSource): Promise<PendingAdoption | undefined> {
  if (dataSource.options.type !== 'better-sqlite3' || !(await tableNames(dataSource)).has(ADOPTION_TABLE)) return undefined;
  const [row] = (await dataSource.query(`SELECT "id", "backup_file" FROM "${ADOPTION_TABLE}" WHERE "completed_at" IS NULL ORDER BY "id" LIMIT 1`)) as Array<{
    id: number;
    backup_file: string;
  }>;
  return row ? { id: row.id, backupFile: row.backup_file } : undefined;
}

export async function finishAdoption(dataSource: DataSource, id: number, at: Date, report: unknown): Promise<void> {
  await dataSource.query(`UPDATE "${ADOPTION_TABLE}" SET "completed_at" = ?, "report" = ? WHERE "id" = ?`, [at.toISOString(), JSON.stringify(report), id]);
}

async function tableNames(dataSource: DataSource): Promise<Set<string>> {
  const rows = (await dataSource.query(`SELECT "name" FROM "sqlite_master" WHERE "type" = 'table'`)) as Array<{ name: string }>;
  return new Set(rows.map((row) => row.name));
}
