import Database from 'better-sqlite3';
import { LEGACY_IMAGES_TABLE, LEGACY_SCENES_TABLE } from '../../database/legacy-schema.js';

/** A row of the old backend's `image_assets`, as it stored it. */
export interface LegacyImageRow {
  id: number;
  component: string;
  subject_type: string;
  subject_name: string;
  prompt_used: string;
  custom_prompt: string | null;
  storage_path_full: string;
  storage_path_thumbnail: string;
  file_size_bytes: number;
  model_used: string | null;
  aspect_ratio: string;
  generation_time_ms: number;
  use_count: number | null;
  last_used: string | null;
  is_featured: number | null;
  created_at: string | null;
  deleted_at: string | null;
}

/** A row of the old backend's `scene_cache`. */
export interface LegacySceneRow {
  id: number;
  location: string;
  time_of_day: string;
  weather: string;
  image_asset_id: number;
  use_count: number | null;
  created_at: string | null;
  last_used: string | null;
  expires_at: string;
}

/**
 * Thin adapter reading an old backend's SQLite database, read-only: its images and scene
 * entries, nothing else (later revisions add game tables, which are not ours to touch).
 */
export class LegacyDatabase {
  private readonly db: Database.Database;

  constructor(
    path: string,
    private readonly scenesTable: string = LEGACY_SCENES_TABLE,
  ) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  images(): LegacyImageRow[] {
    return this.db.prepare(`SELECT * FROM "${LEGACY_IMAGES_TABLE}" ORDER BY "id"`).all() as LegacyImageRow[];
  }

  scenes(): LegacySceneRow[] {
    const exists = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(this.scenesTable);
    if (!exists) return [];
    return this.db.prepare(`SELECT * FROM "${this.scenesTable}" ORDER BY "id"`).all() as LegacySceneRow[];
  }

  /** The table names, to tell an old backend's database from anything else. */
  hasImagesTable(): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(LEGACY_IMAGES_TABLE) !== undefined;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The old backend's times are naive local datetimes as SQLAlchemy wrote them to SQLite
 * ("2025-10-24 18:21:41.331197"): read as this machine's local time, to the millisecond.
 */
export function parseLegacyTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(value.trim());
  if (!match) {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }
  const millis = (match[3] ?? '').padEnd(3, '0').slice(0, 3);
  const parsed = new Date(`${match[1]}T${match[2]}.${millis}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
