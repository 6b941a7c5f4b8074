import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { PostgresDialect } from '../../src/database/database-dialect.js';
import { WriteLock } from '../../src/database/write-lock.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { ImagesRepository } from '../../src/images/images.repository.js';
import { eventually } from '../support/eventually.js';
import { imageRow } from '../support/image-row.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

// Two replicas are two processes: each has its own connections and its own WriteLock, so only
// the database can keep MAX_IMAGES_PER_ITEM's count-then-insert from interleaving.
let database: TestDatabase;
let replicas: DataSource[];

beforeAll(async () => {
  database = await createTestDatabase();
  const connect = () => new DataSource(buildDataSourceOptions({ driver: 'postgres', url: database.url })).initialize();
  replicas = await Promise.all([connect(), connect()]);
  await new PostgresDialect(replicas[0], database.url).runPendingMigrations();
});
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.destroy()));
  await database.drop();
});

it('queues two replicas writing to one item, so the second counts the first’s image', async () => {
  const repositories = replicas.map((replica) => new ImagesRepository(replica.getRepository(ImageEntity), new WriteLock(), new PostgresDialect(replica, database.url)));
  let inserted = 0;
  const counted = await Promise.all(
    repositories.map((repository, i) =>
      repository.writeTransaction(async (writer) => {
        const count = await writer.countActiveForItem('npc-7');
        // The first to count holds the item until the other replica's writer is seen waiting
        // for it (if both could count at once, neither would ever see the other wait).
        if (inserted === 0) await eventually(async () => expect(await waitingForAdvisoryLocks()).toBe(1));
        inserted++;
        await writer.insert(imageRow(`00000000-0000-4000-8000-00000000000${i}`, { itemId: 'npc-7' }));
        return count;
      }),
    ),
  );
  expect(counted.sort()).toEqual([0, 1]);
});

/** Transactions of any replica waiting for an advisory lock (the per-item lock). */
async function waitingForAdvisoryLocks(): Promise<number> {
  const [row] = (await replicas[0].query(`SELECT count(*)::int AS "waiting" FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)) as Array<{ waiting: number }>;
  return row.waiting;
}

it('leaves other items alone', async () => {
  const [first, second] = replicas.map((replica) => new ImagesRepository(replica.getRepository(ImageEntity), new WriteLock(), new PostgresDialect(replica, database.url)));
  let releaseFirst!: () => void;
  let firstCounted!: () => void;
  const counting = new Promise<void>((resolve) => (firstCounted = resolve));
  const held = first.writeTransaction(async (writer) => {
    await writer.countActiveForItem('npc-8');
    firstCounted();
    await new Promise<void>((resolve) => (releaseFirst = resolve));
  });
  await counting; // npc-8's transaction is open and holds its item
  // Not queued behind npc-8's writer: answers while that transaction is still open.
  expect(await second.writeTransaction((writer) => writer.countActiveForItem('npc-9'))).toBe(0);
  releaseFirst();
  await held;
});
