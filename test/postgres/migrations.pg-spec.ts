import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { PostgresDialect } from '../../src/database/database-dialect.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { imageRow } from '../support/image-row.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const connect = () => new DataSource(buildDataSourceOptions({ driver: 'postgres', url: database.url })).initialize();
const runPendingMigrations = (dataSource: DataSource) => new PostgresDialect(dataSource, database.url).runPendingMigrations();

it('migrates an empty database once when two replicas start together: one runs every migration, the other finds none pending', async () => {
  const replicas = await Promise.all([connect(), connect()]);
  try {
    const ran = await Promise.all(replicas.map((replica) => runPendingMigrations(replica)));
    expect(ran.map((migrations) => migrations.length).sort()).toEqual([0, MIGRATIONS.postgres.length]);

    const recorded = (await replicas[0].query('SELECT name, COUNT(*)::int AS times FROM migrations GROUP BY name ORDER BY name')) as Array<{ name: string; times: number }>;
    expect(recorded).toEqual(MIGRATIONS.postgres.map((migration) => ({ name: migration.name, times: 1 })).sort((a, b) => a.name.localeCompare(b.name)));
    // Both can use the schema, and the lock is free again.
    expect(await Promise.all(replicas.map((replica) => replica.getRepository(ImageEntity).count()))).toEqual([0, 0]);
    expect(await runPendingMigrations(replicas[1])).toEqual([]);
  } finally {
    await Promise.all(replicas.map((replica) => replica.destroy()));
  }
});

it('stores timestamptz: dates round-trip to the millisecond whatever the session time zone', async () => {
  const migrated = await connect();
  await runPendingMigrations(migrated);
  await migrated.query(`ALTER DATABASE "${database.name}" SET timezone TO 'Pacific/Kiritimati'`); // UTC+14
  await migrated.destroy();

  const dataSource = await connect();
  try {
    const createdAt = new Date('2026-03-04T23:59:59.891Z');
    const image = imageRow('00000000-0000-4000-8000-0000000000aa', { createdAt });
    await dataSource.getRepository(ImageEntity).insert(image);

    const [row] = (await dataSource.query(`SELECT current_setting('TimeZone') AS zone, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS utc FROM images`)) as Array<{ zone: string; utc: string }>;
    expect(row).toEqual({ zone: 'Pacific/Kiritimati', utc: '2026-03-04 23:59:59.891' });
    const read = await dataSource.getRepository(ImageEntity).findOneByOrFail({ id: image.id });
    expect(read.createdAt.toISOString()).toBe(createdAt.toISOString());
  } finally {
    await dataSource.destroy();
  }
});
