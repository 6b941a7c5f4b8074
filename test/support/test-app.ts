import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Clock } from '../../src/common/clock.js';
import { AppConfig } from '../../src/config/app-config.js';
import type { DatabaseDriver } from '../../src/config/database-url.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import type { StorageDriver } from '../../src/storage/image-store.js';
import { ManualClock } from './clock.js';
import { createTestDatabase } from './postgres.js';
import { dropTestKeys, requireTestRedisUrl, TEST_REDIS_URL, uniqueKeyPrefix } from './redis.js';
import { createTestBucket, type TestBucket } from './s3.js';

export { ManualClock };

export interface TestApp {
  app: NestExpressApplication;
  /** The server to hand to supertest's `request()`. */
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  config: AppConfig;
  clock: ManualClock;
  dataSource: DataSource;
  /** The per-test-file temp directory holding images, backups and (on SQLite) the database file. */
  dir: string;
  /** The test's own bucket, when images go to S3. */
  bucket: TestBucket | null;
  /**
   * Everything in the image folder or under the bucket's prefix, by name (e.g. `full/<id>.webp`),
   * read directly rather than through the store: a file written where the store never looks shows too.
   */
  storedFiles(): Promise<string[]>;
  /** A connection of its own to the test's database (say, to look at it after the app closed); destroy it after. */
  connectAgain(): Promise<DataSource>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Variables over the defaults; a function gets the test file's temp directory. */
  env?: Record<string, string> | ((dir: string) => Record<string, string>);
  /** Extra overrides before compiling (e.g. a provider). */
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /**
   * The database: by default the jest project's (jest.config.js), SQLite or, in the
   * `postgres` project, PostgreSQL. `postgres` needs TEST_DATABASE_URL.
   */
  database?: DatabaseDriver;
  /**
   * Share rate limits, scene locks and reservations through Redis (TEST_REDIS_URL, under a key
   * prefix of the test's own). Default: in the `postgres` project when TEST_REDIS_URL is set,
   * so the e2e suites run there as a scaled-out replica would.
   */
  redis?: boolean;
  /**
   * Where images go: by default the jest project's, a folder or, in the `s3` project, a bucket
   * of the test's own on TEST_S3_ENDPOINT (emptied and removed on close).
   */
  storage?: StorageDriver;
}

/** Set by the `postgres` jest project (its `globals`); the other project runs on SQLite. */
const PROJECT_DATABASE: DatabaseDriver = (globalThis as { TEST_DATABASE_DRIVER?: DatabaseDriver }).TEST_DATABASE_DRIVER ?? 'sqlite';
/** Set by the `s3` jest project; the others keep images in a folder. */
const PROJECT_STORAGE: StorageDriver = (globalThis as { TEST_STORAGE_DRIVER?: StorageDriver }).TEST_STORAGE_DRIVER ?? 'fs';

/**
 * The real application, configured like main.ts, on a fresh database (an SQLite file in its
 * own temp directory, or a PostgreSQL database of its own, dropped on close) and images
 * folder. Config comes only from `env` (never the developer's .env).
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'dnd-images-test-'));
  const postgres = (options.database ?? PROJECT_DATABASE) === 'postgres' ? await createTestDatabase() : null;
  const redisKeyPrefix = (options.redis ?? (PROJECT_DATABASE === 'postgres' && TEST_REDIS_URL !== undefined)) ? uniqueKeyPrefix() : null;
  const bucket = (options.storage ?? PROJECT_STORAGE) === 's3' ? await createTestBucket() : null;
  const removeAll = async () => {
    await bucket?.drop();
    await postgres?.drop();
    if (redisKeyPrefix) await dropTestKeys(redisKeyPrefix);
    await rm(dir, { recursive: true, force: true });
  };
  const env = {
    DATABASE_URL: postgres?.url ?? `sqlite:///${join(dir, 'test.db')}`,
    ...(redisKeyPrefix ? { REDIS_URL: requireTestRedisUrl(), REDIS_KEY_PREFIX: redisKeyPrefix } : {}),
    IMAGE_STORAGE_DIR: join(dir, 'images'),
    ...bucket?.env,
    BACKUP_DIR: join(dir, 'backups'),
    IMAGE_PROVIDER: 'local',
    LOG_LEVEL: 'fatal', // the request log's lines (errors for the 5xx tests provoke) would clutter the output
    // Tests send generations in bursts; the limits themselves are tested in rate-limits.e2e-spec.
    RATE_LIMIT_ENABLED: 'false',
    JOBS_ENABLED: 'false', // suites that test jobs turn them on and trigger them by name
    ...(typeof options.env === 'function' ? options.env(dir) : options.env),
  };
  const clock = new ManualClock();
  let created: NestExpressApplication | undefined;
  try {
    let builder = Test.createTestingModule({ imports: [await AppModule.forRoot({ env })] })
      .overrideProvider(Clock)
      .useValue(clock);
    if (options.customize) builder = options.customize(builder);
    const moduleRef = await builder.compile();
    created = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error'] });
    configureApp(created);
    await created.init();
  } catch (error) {
    await created?.close().catch(() => undefined); // its pools and connections, if it got that far
    await removeAll();
    throw error;
  }
  const app = created;

  const config = app.get(AppConfig);
  return {
    app,
    server: app.getHttpServer(),
    config,
    clock,
    dataSource: app.get(DataSource),
    dir,
    bucket,
    storedFiles: () => (bucket ? bucketFiles(bucket) : folderFiles(config.storage.dir)),
    connectAgain: () => new DataSource(buildDataSourceOptions(config.database)).initialize(),
    close: async () => {
      await app.close();
      await removeAll();
    },
  };
}

async function folderFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

async function bucketFiles(bucket: TestBucket): Promise<string[]> {
  const { prefix } = bucket.settings;
  return (await bucket.keys()).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
}
