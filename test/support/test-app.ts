import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Clock } from '../../src/common/clock.js';
import { AppConfig } from '../../src/config/app-config.js';

/** A clock that only moves when a test moves it. */
export class ManualClock extends Clock {
  constructor(private current = new Date('2026-01-01T00:00:00.000Z')) {
    super();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}

export interface TestApp {
  app: NestExpressApplication;
  /** The server to hand to supertest's `request()`. */
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  config: AppConfig;
  clock: ManualClock;
  dataSource: DataSource;
  /** The per-test-file temp directory holding the SQLite file and images. */
  dir: string;
  /** Files under IMAGE_STORAGE_DIR, relative to it (e.g. `full/<id>.webp`). */
  storedFiles(): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Variables over the defaults; a function gets the test file's temp directory. */
  env?: Record<string, string> | ((dir: string) => Record<string, string>);
  /** Extra overrides before compiling (e.g. a provider). */
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/**
 * The real application, configured like main.ts, on a fresh SQLite file and images folder
 * in its own temp directory. Config comes only from `env` (never the developer's .env).
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'dnd-images-test-'));
  const env = {
    DATABASE_URL: `sqlite:///${join(dir, 'test.db')}`,
    IMAGE_STORAGE_DIR: join(dir, 'images'),
    BACKUP_DIR: join(dir, 'backups'),
    IMAGE_PROVIDER: 'local',
    LOG_LEVEL: 'error',
    // Tests send generations in bursts; the limits themselves are tested in rate-limits.e2e-spec.
    RATE_LIMIT_ENABLED: 'false',
    JOBS_ENABLED: 'false', // suites that test jobs turn them on and trigger them by name
    ...(typeof options.env === 'function' ? options.env(dir) : options.env),
  };
  const clock = new ManualClock();
  let builder = Test.createTestingModule({ imports: [await AppModule.forRoot({ env })] })
    .overrideProvider(Clock)
    .useValue(clock);
  if (options.customize) builder = options.customize(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error'] });
  configureApp(app);
  await app.init();

  const config = app.get(AppConfig);
  return {
    app,
    server: app.getHttpServer(),
    config,
    clock,
    dataSource: app.get(DataSource),
    dir,
    storedFiles: () => listFiles(config.storage.dir),
    close: async () => {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}
