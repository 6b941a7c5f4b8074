import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { runPendingMigrations } from '../../src/database/pending-migrations.js';
import { WriteLock } from '../../src/database/write-lock.js';
import { ImageEntity } from '../../src/images/image.entity.js';
import { ImagesRepository } from '../../src/images/images.repository.js';
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
  await runPendingMigrations(replicas[0]);
});
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.destroy()));
  await database.drop();
});

it('queues two replicas writing to one item, so the second counts the first’s image', async () => {
  const repositories = replicas.map((replica) => new ImagesRepository(replica.getRepository(ImageEntity), new WriteLock()));
  const counted = await Promise.all(
    repositories.map((repository, i) =>
      repository.writeTransaction(async (writer) => {
        const count = await writer.countActiveForItem('npc-7');
        await sleep(200); // the other replica's transaction runs meanwhile
        await writer.insert(imageRow(`00000000-0000-4000-8000-00000000000${i}`, { itemId: 'npc-7' }));
        return count;
      }),
    ),
  );
  expect(counted.sort()).toEqual([0, 1]);
});

it('leaves other items alone', async () => {
  const [first, second] = replicas.map((replica) => new ImagesRepository(replica.getRepository(ImageEntity), new WriteLock()));
  let releaseFirst!: () => void;
  const held = first.writeTransaction(async (writer) => {
    await writer.countActiveForItem('npc-8');
    await new Promise<void>((resolve) => (releaseFirst = resolve));
  });
  await sleep(50);
  // Not queued behind npc-8's writer: answers while that transaction is still open.
  expect(await second.writeTransaction((writer) => writer.countActiveForItem('npc-9'))).toBe(0);
  releaseFirst();
  await held;
});
