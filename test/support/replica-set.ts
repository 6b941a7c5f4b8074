import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGeminiServer } from './fake-gemini-server.js';
import { TEST_GEMINI_KEY } from './gemini-app.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { dropTestKeys, TEST_REDIS_URL, uniqueKeyPrefix } from './redis.js';
import { type ReplicaProcess, startReplica } from './replica-process.js';
import { createTestBucket, type TestBucket } from './s3.js';
import type { StorageDriver } from '../../src/storage/image-store.js';

/** Replicas of the built service sharing what a scaled-out deployment shares, and what they talk to. */
export interface ReplicaSet {
  replicas: ReplicaProcess[];
  gemini: FakeGeminiServer;
  database: TestDatabase;
  /** Their shared folder (images, backups), also their working directory; with a bucket, each replica's own is under it. */
  dir: string;
  /** The bucket they share instead of a folder, when asked for. */
  bucket: TestBucket | null;
  stop(): Promise<void>;
}

export interface ReplicaSetOptions {
  count?: number;
  /** `s3`: images in one bucket of the test's own, and each replica a folder of its own (no shared disk). */
  storage?: StorageDriver;
}

/**
 * Real service processes (the built `npm start` entry point) on one fresh PostgreSQL database,
 * one Redis key prefix and one IMAGE_STORAGE_DIR, with Gemini played by a fake server so
 * upstream calls can be counted. `env` adds to the shared settings; all start together on the
 * empty database. Needs TEST_DATABASE_URL and TEST_REDIS_URL.
 */
export async function startReplicaSet(env: Record<string, string>, { count = 2, storage = 'fs' }: ReplicaSetOptions = {}): Promise<ReplicaSet> {
  const keyPrefix = uniqueKeyPrefix();
  const gemini = await FakeGeminiServer.start();
  const database = await createTestDatabase();
  const dir = await mkdtemp(join(tmpdir(), 'dnd-replicas-'));
  const bucket = storage === 's3' ? await createTestBucket() : null;
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL!,
    REDIS_KEY_PREFIX: keyPrefix,
    IMAGE_STORAGE_DIR: join(dir, 'images'),
    BACKUP_DIR: join(dir, 'backups'),
    GEMINI_API_KEY: TEST_GEMINI_KEY,
    GEMINI_BASE_URL: gemini.baseUrl,
    // Generous: on a loaded machine a 2-core box serving every replica must not turn a slow
    // answer into a 504; a provider that never answers fails the test by jest's timeout.
    GEMINI_TIMEOUT_MS: '60000',
    GEMINI_MAX_RETRIES: '0',
    ...bucket?.env,
    ...env,
  };
  const replicas = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      if (!bucket) return startReplica(shared, dir);
      const own = join(dir, `replica-${index + 1}`);
      await mkdir(own);
      return startReplica({ ...shared, IMAGE_STORAGE_DIR: join(own, 'images'), BACKUP_DIR: join(own, 'backups') }, own);
    }),
  );
  return {
    replicas,
    gemini,
    database,
    dir,
    bucket,
    async stop() {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await bucket?.drop();
      await database.drop();
      await gemini.close();
      await dropTestKeys(keyPrefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
