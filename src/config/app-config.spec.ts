import { ConfigValidationError, parseAppConfig } from './app-config.js';
import { redactUrlPassword } from './database-url.js';

const CWD = '/srv/dnd';

/** What the one ConfigValidationError lists for this environment (none: it parsed). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    parseAppConfig(env, CWD);
    return [];
  } catch (error) {
    return (error as ConfigValidationError).problems;
  }
}

describe('parseAppConfig', () => {
  it('has the original defaults when nothing is set', () => {
    const config = parseAppConfig({}, CWD);
    expect(config.http).toEqual({
      host: '0.0.0.0',
      port: 8000,
      trustProxy: false,
      corsOrigins: ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://localhost:8000', 'http://127.0.0.1:8000', 'null'],
      shutdownDrainMs: 3000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
    });
    expect(config.adminApiKey).toBeUndefined();
    expect(config.generation.geminiDailyLimit).toBeUndefined();
    expect(config.database).toEqual({ driver: 'sqlite', path: '/srv/dnd/dnd_game.db' });
    expect(config.storage).toEqual({
      driver: 'fs',
      dir: '/srv/dnd/images',
      s3: undefined,
      serve: 'proxy',
      maxImageBytes: 5 * 1024 * 1024,
      webpQuality: 85,
      thumbnail: { width: 200, height: 200 },
      fileCacheBytes: 64 * 1024 * 1024,
    });
    expect(config.images.maxPerItem).toBe(20);
    expect(config.migration.maxBodyBytes).toBe(25 * 1024 * 1024);
    expect(config.cache.expiryDays).toBe(7);
    expect(config.rateLimit).toEqual({ enabled: true, requestsPerMinute: 10, scenesPerMinute: 5, windowSeconds: 60 });
    expect(config.backup).toEqual({ retentionDays: 30, dir: '/srv/dnd/backups', target: 'fs' });
    expect(config.maintenance).toEqual({
      purgeAfterDays: 7,
      jobsEnabled: true,
      cron: { expiredCache: '0 * * * *', orphanCleanup: '30 3 * * *', backup: '0 2 * * *' },
    });
    expect(config.generation).toMatchObject({ requested: 'auto', provider: 'local', gemini: { models: ['gemini-3.1-flash-image'], timeoutMs: 60000, maxRetries: 3 } });
    expect(config.log).toEqual({ level: 'info', format: 'pretty' });
  });

  it.each([
    ['sqlite:///./dnd_game.db', '/srv/dnd/dnd_game.db'],
    ['sqlite:///data/game.db', '/srv/dnd/data/game.db'],
    ['sqlite:////var/lib/dnd/game.db', '/var/lib/dnd/game.db'],
  ])('reads the SQLAlchemy URL %s', (url, path) => {
    expect(parseAppConfig({ DATABASE_URL: url }, CWD).database).toEqual({ driver: 'sqlite', path });
  });

  it.each([
    ['(200, 200)', { width: 200, height: 200 }],
    ['(320,180)', { width: 320, height: 180 }],
    ['256x128', { width: 256, height: 128 }],
  ])('reads THUMBNAIL_SIZE %s', (raw, size) => {
    expect(parseAppConfig({ THUMBNAIL_SIZE: raw }, CWD).storage.thumbnail).toEqual(size);
  });

  it('picks Gemini under auto when a key is set, and honours an explicit local', () => {
    expect(parseAppConfig({ GEMINI_API_KEY: 'k' }, CWD).generation.provider).toBe('gemini');
    expect(parseAppConfig({ GEMINI_API_KEY: 'k', IMAGE_PROVIDER: 'local' }, CWD).generation.provider).toBe('local');
    expect(parseAppConfig({ GEMINI_API_KEY: '' }, CWD).generation.provider).toBe('local');
  });

  it('reads a model chain, trims a trailing slash from GEMINI_BASE_URL, and reads sizes and prices', () => {
    const config = parseAppConfig(
      {
        GEMINI_MODEL: 'gemini-3-pro-image, models/gemini-3.1-flash-image',
        GEMINI_BASE_URL: 'http://127.0.0.1:9000/',
        GEMINI_IMAGE_SIZE: '2k',
        GEMINI_PRICES: 'gemini-3-pro-image=0.2,gemini-3-pro-image:4K=0.3',
      },
      CWD,
    );
    expect(config.generation.gemini).toMatchObject({
      models: ['gemini-3-pro-image', 'gemini-3.1-flash-image'],
      baseUrl: 'http://127.0.0.1:9000',
      prices: { 'gemini-3-pro-image': { '1K': 0.2, '2K': 0.2, '4K': 0.3 } },
    });
    expect(config.generation.imageSize).toBe('2K');
  });

  it('refuses an empty or repeated model in the chain, an unknown size and a malformed price', () => {
    expect(problemsOf({ GEMINI_MODEL: 'gemini-3-pro-image,,x' })[0]).toMatch(/^GEMINI_MODEL must be model ids in order of preference/);
    expect(problemsOf({ GEMINI_MODEL: 'a,a' })[0]).toMatch(/^GEMINI_MODEL must be/);
    expect(problemsOf({ GEMINI_IMAGE_SIZE: '8K' })).toEqual(['GEMINI_IMAGE_SIZE must be one of 1K, 2K, 4K (got "8K")']);
    expect(problemsOf({ GEMINI_PRICES: 'gemini-3-pro-image=cheap' })[0]).toMatch(/^GEMINI_PRICES must be comma-separated model=usd/);
  });

  it('reads cron expressions, switches a job off with an empty one, and rejects nonsense', () => {
    const config = parseAppConfig({ BACKUP_CRON: '15 4 * * 0', CLEANUP_CRON: '' }, CWD);
    expect(config.maintenance.cron).toMatchObject({ backup: '15 4 * * 0', expiredCache: null });
    expect(() => parseAppConfig({ ORPHAN_CLEANUP_CRON: 'every day' }, CWD)).toThrow(/ORPHAN_CLEANUP_CRON must be a cron expression/);
  });

  it("maps LOG_LEVEL's Nest and pino names to pino's levels", () => {
    expect(parseAppConfig({ LOG_LEVEL: 'error' }, CWD).log.level).toBe('error');
    expect(parseAppConfig({ LOG_LEVEL: 'log' }, CWD).log.level).toBe('info');
    expect(parseAppConfig({ LOG_LEVEL: 'verbose' }, CWD).log.level).toBe('trace');
    expect(parseAppConfig({ LOG_LEVEL: 'debug' }, CWD).log.level).toBe('debug');
  });

  it('logs JSON lines in production and pretty lines elsewhere, unless LOG_FORMAT says', () => {
    expect(parseAppConfig({ NODE_ENV: 'production' }, CWD).log.format).toBe('json');
    expect(parseAppConfig({ NODE_ENV: 'development' }, CWD).log.format).toBe('pretty');
    expect(parseAppConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }, CWD).log.format).toBe('pretty');
    expect(() => parseAppConfig({ LOG_FORMAT: 'xml' }, CWD)).toThrow('LOG_FORMAT must be one of json, pretty (got "xml")');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      parseAppConfig(
        {
          PORT: 'eighty',
          MAX_IMAGE_SIZE_MB: '-1',
          WEBP_QUALITY: '101',
          THUMBNAIL_SIZE: '200',
          DATABASE_URL: 'mysql://x',
          IMAGE_PROVIDER: 'dalle',
          LOG_LEVEL: 'loud',
          GEMINI_BASE_URL: 'ftp://x',
          MAX_IMAGES_PER_ITEM: '2.5',
        },
        CWD,
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const { problems, message } = error as ConfigValidationError;
    expect(problems).toEqual([
      'IMAGE_PROVIDER must be one of auto, gemini, local (got "dalle")',
      'PORT must be an integer from 0 to 65535 (got "eighty")',
      'DATABASE_URL must be sqlite:///relative/path.db, sqlite:////absolute/path.db or postgres://user:password@host:5432/database (got "mysql://x")',
      'MAX_IMAGE_SIZE_MB must be a number ≥ 0.01 (got "-1")',
      'WEBP_QUALITY must be an integer from 1 to 100 (got "101")',
      'THUMBNAIL_SIZE must be a size like "(200, 200)" or "200x200", each side from 16 to 2048 (got "200")',
      'MAX_IMAGES_PER_ITEM must be an integer ≥ 1 (got "2.5")',
      'GEMINI_BASE_URL must be an http(s) URL (got "ftp://x")',
      'LOG_LEVEL must be one of fatal, error, warn, log, info, debug, verbose, trace (got "loud")',
    ]);
    expect(message).toMatch(/^Invalid configuration:\n {2}- IMAGE_PROVIDER/);
  });

  it.each([
    ['postgres://dnd:secret@db.internal:5432/dnd_images'],
    ['postgresql://dnd@127.0.0.1/dnd_images?sslmode=require'],
    ['postgres:///dnd_images?host=/run/postgresql'],
  ])('takes the PostgreSQL URL %s as it is', (url) => {
    expect(parseAppConfig({ DATABASE_URL: url }, CWD).database).toEqual({ driver: 'postgres', url });
  });

  it('lists a bad PostgreSQL URL with the other problems, never echoing its password', () => {
    const problems = (url: string) => {
      try {
        parseAppConfig({ DATABASE_URL: url, IMAGE_PROVIDER: 'gemini' }, CWD);
      } catch (error) {
        return (error as ConfigValidationError).problems;
      }
      throw new Error('expected a ConfigValidationError');
    };
    expect(problems('postgres://dnd:s3cret@db.internal:5432/')).toEqual([
      'IMAGE_PROVIDER=gemini needs GEMINI_API_KEY (or use IMAGE_PROVIDER=auto to fall back to the local provider)',
      'DATABASE_URL must name one database after the host: postgres://user:password@host:5432/database (got "postgres://dnd:***@db.internal:5432/")',
    ]);
    expect(problems('postgres://dnd:s3cret@db.internal:99999/dnd')[1]).toBe(
      'DATABASE_URL must be sqlite:///relative/path.db, sqlite:////absolute/path.db or postgres://user:password@host:5432/database (got "postgres://dnd:***@db.internal:99999/dnd")',
    );
    expect(problems('postgresql:///dnd')[1]).toMatch(/^DATABASE_URL names no host/);
  });

  it.each([
    ['postgres://dnd:p@ss@db.internal:5432/dnd', 'postgres://dnd:***@db.internal:5432/dnd'],
    ['postgres://dnd@db.internal/dnd?sslmode=require&password=s3cret', 'postgres://dnd@db.internal/dnd?sslmode=require&password=***'],
    ['redis://:s3cret@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['postgres://dnd@db.internal/dnd', 'postgres://dnd@db.internal/dnd'],
  ])('masks the password of %s', (url, shown) => {
    expect(redactUrlPassword(url)).toBe(shown);
  });

  it('reads the bucket of STORAGE_DRIVER=s3, and names every S3 setting it is missing or cannot read', () => {
    const s3 = { STORAGE_DRIVER: 's3', S3_BUCKET: 'dnd', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_PREFIX: '/table-7' };
    expect(parseAppConfig(s3, CWD).storage.s3).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'dnd',
      region: 'us-east-1',
      accessKeyId: 'k',
      secretAccessKey: 's',
      forcePathStyle: false,
      prefix: 'table-7/',
    });
    expect(parseAppConfig({ ...s3, S3_PREFIX: '' }, CWD).storage.s3?.prefix).toBe('');
    // On disk the S3 settings are not asked for; set, they are read (for storage:copy).
    expect(parseAppConfig({}, CWD).storage).toMatchObject({ driver: 'fs', s3: undefined });
    expect(parseAppConfig({ S3_BUCKET: 'dnd' }, CWD).storage).toMatchObject({ driver: 'fs', s3: { bucket: 'dnd', prefix: '' } });
    expect(problemsOf({ STORAGE_DRIVER: 's3', S3_ENDPOINT: 'minio:9000', S3_ACCESS_KEY_ID: 'k', S3_PREFIX: 'a b' })).toEqual([
      'S3_ENDPOINT must be an http(s) URL (leave unset for AWS itself) (got "minio:9000")',
      'S3_PREFIX must be a key prefix like images/ (letters, digits, and . _ - /) (got "a b")',
      'S3_BUCKET must be set when STORAGE_DRIVER=s3: the bucket images are kept in',
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS default credentials',
    ]);
    expect(problemsOf({ STORAGE_DRIVER: 'gcs' })).toEqual(['STORAGE_DRIVER must be one of fs, s3 (got "gcs")']);
    expect(parseAppConfig({ ...s3, S3_SERVE: 'redirect' }, CWD).storage.serve).toBe('redirect');
    expect(problemsOf({ S3_SERVE: 'redirect' })).toEqual(['S3_SERVE=redirect needs STORAGE_DRIVER=s3: only a bucket can be redirected to']);
    // Backups may go to the bucket while images stay on disk; they need the bucket named all the same.
    expect(parseAppConfig({ BACKUP_TARGET: 's3', S3_BUCKET: 'dnd' }, CWD).backup.target).toBe('s3');
    expect(problemsOf({ BACKUP_TARGET: 's3' })).toEqual(['BACKUP_TARGET=s3 needs S3_BUCKET (and the other S3_* settings): the bucket backups go to']);
  });

  it('reads REDIS_URL and its key prefix, and refuses another scheme without echoing the password', () => {
    expect(parseAppConfig({}, CWD).redis).toBeNull();
    expect(parseAppConfig({ REDIS_URL: 'rediss://:pw@cache.internal:6380/2', REDIS_KEY_PREFIX: 'table-7:' }, CWD).redis).toEqual({
      url: 'rediss://:pw@cache.internal:6380/2',
      keyPrefix: 'table-7:',
    });
    expect(parseAppConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, CWD).redis?.keyPrefix).toBe('dnd-images:');
    expect(() => parseAppConfig({ REDIS_URL: 'http://user:s3cret@cache:6379' }, CWD)).toThrow(
      'REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0 (got "http://user:***@cache:6379")',
    );
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['2', 2],
    ['loopback', 'loopback'],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
    ['::1, fd00::/8', '::1, fd00::/8'],
  ])('reads TRUST_PROXY %s as Express’s `trust proxy` value', (raw, trustProxy) => {
    expect(parseAppConfig({ TRUST_PROXY: raw }, CWD).http.trustProxy).toBe(trustProxy);
  });

  it.each([
    ['*', '*'],
    ['http://localhost:3000', ['http://localhost:3000']],
    [' https://game.example , null ', ['https://game.example', 'null']],
  ])('reads CORS_ORIGINS %s', (raw, corsOrigins) => {
    expect(parseAppConfig({ CORS_ORIGINS: raw }, CWD).http.corsOrigins).toEqual(corsOrigins);
  });

  it.each(['http://localhost:8080/', 'localhost:8080', 'ftp://files.example', '*, http://localhost:8080', 'http://a.example/path'])(
    'refuses CORS_ORIGINS %s, saying what an origin is',
    (raw) => {
      expect(() => parseAppConfig({ CORS_ORIGINS: raw }, CWD)).toThrow(/CORS_ORIGINS.*scheme, host and port only/);
    },
  );

  it('refuses a TRUST_PROXY that is not a flag, hop count or address list', () => {
    for (const bad of ['nginx;rm', 'nginx', '10.0.0.0/33', '1.2.3.4/8/1', 'loopback/8']) {
      expect(() => parseAppConfig({ TRUST_PROXY: bad }, CWD)).toThrow(/TRUST_PROXY must be true, false, a hop count, or proxy addresses/);
    }
  });
});
