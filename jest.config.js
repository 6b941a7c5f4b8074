// Nest 12 is ESM-only, so jest runs in ESM mode (`node --experimental-vm-modules`).
// @swc/jest compiles TypeScript with legacy decorators and their metadata, which Nest's
// DI and class-validator need; type checking is `npm run lint`'s job.
const swc = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

// @willsoto/nestjs-prometheus and @nestjs/throttler are CommonJS and require() the ESM-only
// @nestjs/common (and, for the throttler, @nestjs/core). Node ≥ 20.19 allows that natively,
// but Jest only does so on Node ≥ 24.9; on older Node it hands a require()d file to the
// transform, and @swc/jest then emits CommonJS for it. Their decorators key metadata by
// constant strings, so those copies are interchangeable; the throttler takes only `Reflector`
// from core, and RateLimitGuard declares its constructor so Nest injects the real one.
const swcJs = { ...swc, jsc: { ...swc.jsc, parser: { syntax: 'ecmascript' } } };

/** What both projects share: how files are compiled and found. */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '/node_modules/@nestjs/(common|core)/.+\\.js$': ['@swc/jest', swcJs],
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/(common|core)/)'],
  // Source imports carry NodeNext's `.js` suffix; map them back to the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  roots: ['<rootDir>/src', '<rootDir>/test'],
  setupFiles: ['<rootDir>/test/setup/reflect-metadata.ts'],
};

/** Everything, on SQLite (the embedded default). */
const sqlite = {
  ...common,
  displayName: 'sqlite',
  // *.browser-spec.ts drive the web app in headless chromium (test/support/browser.ts).
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.browser-spec.ts'],
};

/**
 * The e2e suites again as a scaled-out replica runs them: createTestApp on PostgreSQL (a
 * database per test file) and, when TEST_REDIS_URL is set, Redis (a key prefix per file); plus the
 * PostgreSQL-only suites (*.pg-spec.ts). Left out: the SQLite backup and restore suite, whose
 * PostgreSQL counterpart is test/postgres/backups.pg-spec.ts.
 */
const postgres = {
  ...common,
  displayName: 'postgres',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/postgres/**/*.pg-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/backups\\.e2e-spec\\.ts$'],
  globals: { TEST_DATABASE_DRIVER: 'postgres' },
};

/**
 * The suites about image files again with images in an S3 bucket (a bucket per test file on
 * TEST_S3_ENDPOINT, which .ci/run starts), plus the S3-only suites (*.s3-spec.ts).
 */
const s3 = {
  ...common,
  displayName: 's3',
  testMatch: ['<rootDir>/test/e2e/images*.e2e-spec.ts', '<rootDir>/test/e2e/references-and-edits.e2e-spec.ts', '<rootDir>/test/s3/**/*.s3-spec.ts'],
  globals: { TEST_STORAGE_DRIVER: 's3' },
};

if (!process.env.TEST_DATABASE_URL) {
  console.log('PostgreSQL suites skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run them');
}
if (!process.env.TEST_S3_ENDPOINT) {
  console.log('S3 suites skipped: run `npm run s3:local` and set TEST_S3_ENDPOINT=http://127.0.0.1:4568 to run them');
}
if (!process.env.TEST_REDIS_URL) {
  console.log('Redis and two-replica suites skipped: set TEST_REDIS_URL=redis://127.0.0.1:6379 to run them');
}

/** @type {import('jest').Config} */
export default {
  projects: [sqlite, ...(process.env.TEST_DATABASE_URL ? [postgres] : []), ...(process.env.TEST_S3_ENDPOINT ? [s3] : [])],
  maxWorkers: 2,
  // Global only: jest-circus ignores a project's testTimeout (browsers and apps start in hooks).
  testTimeout: 30000,
};
