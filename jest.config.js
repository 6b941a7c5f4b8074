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

/** @type {import('jest').Config} */
export default {
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
  // *.browser-spec.ts drive the web app in headless chromium (test/support/browser.ts).
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.browser-spec.ts'],
  setupFiles: ['<rootDir>/test/setup/reflect-metadata.ts'],
  testTimeout: 30000,
  maxWorkers: 2,
};
