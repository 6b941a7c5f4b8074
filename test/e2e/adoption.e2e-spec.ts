import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { runCli } from '../../src/cli/cli.js';
import { BackupFiles } from '../../src/maintenance/backup/backup-files.js';
import { buildOldBackendFolder, TYPICAL_OLD_IMAGES, TYPICAL_OLD_SCENES } from '../support/old-backend-folder.js';
import { spawnService } from '../support/replica-process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/eventually.js';

/**
 * Bringing an old FastAPI backend's users across (issue 13): its folder adopted by
 * `npm run adopt` into this project's database (SQLite, or PostgreSQL in the postgres
 * project), and in place at boot when the service starts on the old `dnd_game.db`.
 */
const LIVE_IDS = [1, 2, 7]; // 3 was soft-deleted, 5 has no file
const capture = () => {
  const lines: string[] = [];
  return { lines, output: { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`err: ${line}`) } };
};

/** What every adoption must have given /api/v1: the live rows, their ids, pictures and scenes. */
async function expectAdopted(t: TestApp): Promise<void> {
  const listed = (await request(t.server).get('/api/v1/images/search').query({ page_size: 100 }).expect(200)).body;
  expect(listed.items.map((image: { id: number }) => image.id).sort((a: number, b: number) => a - b)).toEqual(LIVE_IDS);
  expect(listed.items[0]).toMatchObject({ id: 1, subject_name: 'Emberpeak Entrance', subject_type: 'scene', is_featured: true, use_count: 5 });

  const sword = (await request(t.server).get('/api/v1/images/2').expect(200)).body;
  expect(sword).toMatchObject({ subject_name: 'Rusty Sword', subject_type: 'item', component: 'item-modal', generation_time_ms: 4200, use_count: 1 });
  expect(await sharp(Buffer.from(sword.base64_data, 'base64')).metadata()).toMatchObject({ format: 'webp', width: 1024, height: 1024 });
  expect(new Date(sword.created_at).getTime()).toBe(new Date('2025-10-24T18:21:41.331').getTime()); // naive local time, kept
  await request(t.server).get('/api/v1/images/3').expect(404); // soft-deleted there, soft-deleted here
  await request(t.server).get('/api/v1/images/5').expect(404); // no file: listed in the report, not adopted

  // The old scene is a hit: same image, no provider call.
  const before = (await request(t.server).get('/api/v2/images/search').expect(200)).body.total;
  const scene = await request(t.server).post('/api/v1/scenes/generate').query({ location: 'Emberpeak Entrance', time_of_day: 'dawn', weather: 'clear' }).expect(200);
  expect(scene.headers['x-cache']).toBe('HIT');
  expect(scene.body.id).toBe(1);
  expect((await request(t.server).get('/api/v2/images/search').expect(200)).body.total).toBe(before);

  // New images continue after the old numbers.
  const made = (await request(t.server).post('/api/v1/images/generate').send({ subject_type: 'item', subject_name: 'New Shield', prompt: 'a round shield with a dragon crest' }).expect(200)).body;
  expect(made.id).toBe(8);
}

describe('npm run adopt -- <old backend folder>', () => {
  let t: TestApp;
  let folder: string;
  beforeAll(async () => {
    t = await createTestApp();
    folder = join(t.dir, 'old-backend');
    await buildOldBackendFolder(folder, TYPICAL_OLD_IMAGES, TYPICAL_OLD_SCENES);
  });
  afterAll(() => t.close());

  /** The CLI's environment: this test's database and folders. */
  const cliEnv = () => ({
    DATABASE_URL: t.config.database.driver === 'postgres' ? t.config.database.url : `sqlite:///${t.config.database.path}`,
    IMAGE_STORAGE_DIR: t.config.storage.dir,
    BACKUP_DIR: t.config.backup.dir,
    IMAGE_PROVIDER: 'local',
  });

  it('reports what it would do with --dry-run, and writes nothing', async () => {
    const { lines, output } = capture();
    expect(await runCli(['adopt', folder, '--dry-run'], cliEnv(), output)).toBe(0);
    expect(lines[0]).toBe('Would adopt 4 of 5 images (0 already here, 1 not adoptable, 0 renumbered) and 2 of 3 scene entries (0 already here, 1 not adoptable)');
    expect(lines).toContain('  image 5 not adopted: its file images/full/' + lines.find((line) => line.includes('image 5'))!.split('images/full/')[1]);
    expect((await request(t.server).get('/api/v1/images/search').expect(200)).body.total).toBe(0);
  });

  it('adopts every row with its id, history and picture, and every scene entry', async () => {
    const { lines, output } = capture();
    expect(await runCli(['adopt', folder], cliEnv(), output)).toBe(0);
    expect(lines[0]).toBe('Adopted 4 of 5 images (0 already here, 1 not adoptable, 0 renumbered) and 2 of 3 scene entries (0 already here, 1 not adoptable)');
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}image 5 not adopted: its file images\/full\/Lost_Map_.*\.webp is missing$/), '  scene entry 3 not adopted: its image 3 was deleted']));
    await expectAdopted(t);
  });

  it('adopts nothing twice when run again', async () => {
    const { lines, output } = capture();
    expect(await runCli(['adopt', folder], cliEnv(), output)).toBe(0);
    expect(lines[0]).toBe('Adopted 0 of 5 images (4 already here, 1 not adoptable, 0 renumbered) and 0 of 3 scene entries (2 already here, 1 not adoptable)');
  });

  it('says how to call it, and refuses a folder that is not an old backend’s', async () => {
    const usage = capture();
    expect(await runCli(['adopt'], cliEnv(), usage.output)).toBe(2);
    expect(usage.lines[0]).toBe("err: error: missing required argument 'folder'");
    expect(usage.lines).toContain('err: Usage: npm run adopt [options] <folder>');
    const missing = capture();
    expect(await runCli(['adopt', join(t.dir, 'nowhere')], cliEnv(), missing.output)).toBe(1);
    expect(missing.lines[0]).toMatch(/There is no old backend database at .*nowhere/);
  });
});

/** The upgrade in place is SQLite's: the old backend's database is an SQLite file. */
const inPlace = (globalThis as { TEST_DATABASE_DRIVER?: string }).TEST_DATABASE_DRIVER === 'postgres' ? describe.skip : describe;

inPlace('starting the service in the old backend’s folder (upgrade in place)', () => {
  let folder: string;
  let databasePath: string;
  const env = () => ({ DATABASE_URL: `sqlite:///${databasePath}`, IMAGE_STORAGE_DIR: join(folder, 'images'), BACKUP_DIR: join(folder, 'backups') });
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'dnd-old-backend-'));
    ({ databasePath } = await buildOldBackendFolder(folder, TYPICAL_OLD_IMAGES, TYPICAL_OLD_SCENES));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('backs the old database up (verified), adopts it at boot, and leaves the old and game tables alone', async () => {
    const t = await createTestApp({ env: env() });
    try {
      await expectAdopted(t);
      const db = new Database(databasePath, { readonly: true });
      try {
        const [adoption] = db.prepare('SELECT backup_file, completed_at, report FROM legacy_adoption').all() as Array<{ backup_file: string; completed_at: string | null; report: string }>;
        expect(adoption.completed_at).not.toBeNull();
        expect(JSON.parse(adoption.report).images).toMatchObject({ total: 5, adopted: 4 });
        expect(existsSync(adoption.backup_file)).toBe(true);
        expect(adoption.backup_file.startsWith(join(folder, 'backups'))).toBe(true);
        expect(db.prepare('SELECT COUNT(*) AS n FROM image_assets').get()).toEqual({ n: 5 });
        expect(db.prepare('SELECT COUNT(*) AS n FROM legacy_scene_cache').get()).toEqual({ n: 3 });
        expect(db.prepare('SELECT name FROM game_sessions').all()).toEqual([{ name: 'The Emberpeak Expedition' }]);
        expect(db.prepare('SELECT version_num FROM alembic_version').all()).toEqual([{ version_num: '2a8b7c9d3e1f' }]);
      } finally {
        db.close();
      }
    } finally {
      await t.close();
    }
  });

  it('the backup is the old database as it was, and passes integrity_check', async () => {
    const db = new Database(databasePath, { readonly: true });
    const { backup_file: backupFile } = db.prepare('SELECT backup_file FROM legacy_adoption').get() as { backup_file: string };
    db.close();
    const restored = join(folder, 'restored.db');
    await new BackupFiles().gunzip(backupFile, restored);
    const copy = new Database(restored, { readonly: true });
    try {
      expect(copy.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const tables = (copy.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((row) => row.name);
      expect(tables).toEqual(['alembic_version', 'game_sessions', 'image_assets', 'scene_cache']);
    } finally {
      copy.close();
    }
  });

  it('adopts nothing on the next boot', async () => {
    const t = await createTestApp({ env: env() });
    try {
      expect((await request(t.server).get('/api/v2/images/search').expect(200)).body.total).toBe(LIVE_IDS.length + 1); // + New Shield
      const db = new Database(databasePath, { readonly: true });
      expect(db.prepare('SELECT COUNT(*) AS n FROM legacy_adoption').get()).toEqual({ n: 1 });
      db.close();
    } finally {
      await t.close();
    }
  });
});

inPlace('a boot killed in the middle of adopting', () => {
  const IMAGES = 40;
  let folder: string;
  let databasePath: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'dnd-old-backend-'));
    const images = Array.from({ length: IMAGES }, (_, i) => ({ id: i + 1, subject: `Place ${i + 1}`, type: 'scene' as const, deletedAt: i % 10 === 9 ? '2025-10-25 12:00:00.000000' : null }));
    ({ databasePath } = await buildOldBackendFolder(folder, images, []));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('is finished by the next boot: every row once, nothing lost', async () => {
    const env = { DATABASE_URL: `sqlite:///${databasePath}`, IMAGE_STORAGE_DIR: join(folder, 'images'), BACKUP_DIR: join(folder, 'backups'), IMAGE_PROVIDER: 'local', JOBS_ENABLED: 'false' };
    const { child, replica } = await spawnService(env, folder);
    try {
      // kill -9 once a few images are in, long before all 40 are.
      await eventually(() => {
        const db = new Database(databasePath, { readonly: true });
        try {
          const [row] = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'images'`).all() as Array<{ n: number }>;
          expect(row.n).toBe(1);
          expect((db.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n).toBeGreaterThanOrEqual(3);
        } finally {
          db.close();
        }
      }, 60_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      await replica.stop();
    }
    const killed = new Database(databasePath, { readonly: true });
    const adoptedBeforeKill = (killed.prepare('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
    expect(killed.prepare('SELECT completed_at FROM legacy_adoption').get()).toEqual({ completed_at: null });
    killed.close();
    expect(adoptedBeforeKill).toBeLessThan(IMAGES);

    const t = await createTestApp({ env });
    try {
      const all = (await request(t.server).get('/api/v1/images/search').query({ page_size: 100 }).expect(200)).body;
      expect(all.total).toBe(IMAGES - 4); // ids 10, 20, 30 and 40 were soft-deleted
      const numbers = (await t.dataSource.query('SELECT "number" FROM "images" ORDER BY "number"')) as Array<{ number: number }>;
      expect(numbers.map((row) => row.number)).toEqual(Array.from({ length: IMAGES }, (_, i) => i + 1));
    } finally {
      await t.close();
    }
  });
});
