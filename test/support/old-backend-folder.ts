import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * An old FastAPI backend's folder as its users have it, built from the schema its Alembic
 * migrations create (written out here, not copied): `dnd_game.db` with `image_assets`,
 * `scene_cache`, `alembic_version` and a later revision's game table, and WebP files under
 * `images/full` and `images/thumbnails` named `<Subject>_<YYYYmmdd_HHMMSS>_<md5 prefix>.webp`.
 */
export interface OldImage {
  id: number;
  subject: string;
  type: 'scene' | 'item' | 'character';
  component?: string;
  prompt?: string;
  customPrompt?: string | null;
  featured?: boolean;
  useCount?: number;
  lastUsed?: string | null;
  createdAt?: string;
  deletedAt?: string | null;
  /** The file is left out, as when a user deleted it by hand. */
  missingFile?: boolean;
  width?: number;
  height?: number;
}

export interface OldScene {
  id: number;
  location: string;
  timeOfDay: string;
  weather: string;
  imageId: number;
  useCount?: number;
  expiresAt: string;
}

const SCHEMA = `
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE image_assets (
  id INTEGER NOT NULL, component VARCHAR(50) NOT NULL, subject_type VARCHAR(50) NOT NULL, subject_name VARCHAR(200) NOT NULL,
  prompt_used TEXT NOT NULL, custom_prompt TEXT, storage_path_full VARCHAR(500) NOT NULL, storage_path_thumbnail VARCHAR(500) NOT NULL,
  file_size_bytes INTEGER NOT NULL, model_used VARCHAR(100), aspect_ratio VARCHAR(10) NOT NULL, generation_time_ms INTEGER NOT NULL,
  use_count INTEGER, last_used DATETIME, is_featured BOOLEAN, created_at DATETIME, deleted_at DATETIME,
  PRIMARY KEY (id), UNIQUE (storage_path_full)
);
CREATE INDEX idx_active ON image_assets (deleted_at);
CREATE INDEX idx_featured ON image_assets (subject_name, is_featured);
CREATE TABLE scene_cache (
  id INTEGER NOT NULL, location VARCHAR(200) NOT NULL, time_of_day VARCHAR(50) NOT NULL, weather VARCHAR(50) NOT NULL,
  image_asset_id INTEGER NOT NULL, use_count INTEGER, created_at DATETIME, last_used DATETIME, expires_at DATETIME NOT NULL,
  PRIMARY KEY (id), FOREIGN KEY(image_asset_id) REFERENCES image_assets (id)
);
CREATE INDEX idx_cache_key ON scene_cache (location, time_of_day, weather);
CREATE TABLE game_sessions (id VARCHAR(36) NOT NULL, name VARCHAR(200), created_at DATETIME, PRIMARY KEY (id));
INSERT INTO alembic_version VALUES ('2a8b7c9d3e1f');
INSERT INTO game_sessions VALUES ('session-1', 'The Emberpeak Expedition', '2025-10-25 10:00:00.000000');
`;

/** A picture with some detail in it, so the WebP is a real one. */
async function picture(seed: number, width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="hsl(${(seed * 47) % 360},60%,40%)"/><circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="#fd6"/></svg>`;
  return sharp(Buffer.from(svg)).webp({ quality: 85 }).toBuffer();
}

export async function buildOldBackendFolder(folder: string, images: OldImage[], scenes: OldScene[]): Promise<{ databasePath: string; files: Map<number, Buffer> }> {
  await mkdir(join(folder, 'images', 'full'), { recursive: true });
  await mkdir(join(folder, 'images', 'thumbnails'), { recursive: true });
  const databasePath = join(folder, 'dnd_game.db');
  const db = new Database(databasePath);
  const files = new Map<number, Buffer>();
  try {
    db.exec(SCHEMA);
    const insertImage = db.prepare(`INSERT INTO image_assets VALUES (@id, @component, @type, @subject, @prompt, @customPrompt, @full, @thumbnail, @size,
      'gemini-2.5-flash-image', '16:9', 4200, @useCount, @lastUsed, @featured, @createdAt, @deletedAt)`);
    for (const image of images) {
      const data = await picture(image.id, image.width ?? 1344, image.height ?? 768);
      const createdAt = image.createdAt ?? '2025-10-24 18:21:41.331197';
      const name = `${image.subject.replace(/\W/g, '_')}_${createdAt.slice(0, 19).replace(/[-:]/g, '').replace(' ', '_')}_${createHash('md5').update(data).digest('hex').slice(0, 8)}.webp`;
      if (!image.missingFile) {
        await writeFile(join(folder, 'images', 'full', name), data);
        await writeFile(join(folder, 'images', 'thumbnails', name), await sharp(data).resize(200, 200, { fit: 'inside' }).webp().toBuffer());
        files.set(image.id, data);
      }
      insertImage.run({
        id: image.id,
        component: image.component ?? 'scene-viewer',
        type: image.type,
        subject: image.subject,
        prompt: image.prompt ?? `${image.subject}, fantasy RPG art`,
        customPrompt: image.customPrompt ?? null,
        full: `images/full/${name}`,
        thumbnail: `images/thumbnails/${name}`,
        size: data.length,
        useCount: image.useCount ?? 0,
        lastUsed: image.lastUsed ?? null,
        featured: image.featured ? 1 : 0,
        createdAt,
        deletedAt: image.deletedAt ?? null,
      });
    }
    const insertScene = db.prepare(`INSERT INTO scene_cache VALUES (?, ?, ?, ?, ?, ?, '2025-10-24 18:21:41.331197', '2025-10-26 09:00:00.000000', ?)`);
    for (const scene of scenes) insertScene.run(scene.id, scene.location, scene.timeOfDay, scene.weather, scene.imageId, scene.useCount ?? 1, scene.expiresAt);
  } finally {
    db.close();
  }
  return { databasePath, files };
}

/** The folder most tests use: live, featured, soft-deleted and file-less rows, ids with gaps, fresh and stale scenes. */
export const TYPICAL_OLD_IMAGES: OldImage[] = [
  { id: 1, subject: 'Emberpeak Entrance', type: 'scene', featured: true, useCount: 5, lastUsed: '2025-10-26 09:00:00.000000' },
  { id: 2, subject: 'Rusty Sword', type: 'item', component: 'item-modal', customPrompt: 'Rusty Sword with a chipped blade', width: 1024, height: 1024 },
  { id: 3, subject: 'Rusty Sword', type: 'item', component: 'item-modal', deletedAt: '2025-10-25 12:00:00.000000', width: 1024, height: 1024 },
  { id: 5, subject: 'Lost Map', type: 'item', missingFile: true },
  { id: 7, subject: 'Goblin Cave', type: 'scene', createdAt: '2025-10-25 20:15:00.000000' },
];

/** Scene 1 is fresh (far future), 2 has expired, 3 points at the soft-deleted image. */
export const TYPICAL_OLD_SCENES: OldScene[] = [
  { id: 1, location: 'Emberpeak Entrance', timeOfDay: 'dawn', weather: 'clear', imageId: 1, useCount: 4, expiresAt: '2099-01-01 00:00:00.000000' },
  { id: 2, location: 'Goblin Cave', timeOfDay: 'night', weather: 'foggy', imageId: 7, expiresAt: '2025-10-31 00:00:00.000000' },
  { id: 3, location: 'Armory', timeOfDay: 'day', weather: 'clear', imageId: 3, expiresAt: '2099-01-01 00:00:00.000000' },
];
