import type { LogLevel } from '@nestjs/common';
import { validateCronExpression } from 'cron';
import { resolve } from 'node:path';
import proxyAddr from 'proxy-addr';
import { type DatabaseConfig, readDatabaseUrl, redactUrlPassword } from './database-url.js';
import { EnvReader } from './env-reader.js';
import { STORAGE_DRIVERS, type StorageDriver } from '../storage/image-store.js';
import {
  DEFAULT_GEMINI_MODELS,
  DEFAULT_IMAGE_SIZE,
  IMAGE_SIZES,
  type ImagePrices,
  type ImageSize,
  parseModelList,
  parsePrices,
} from '../generation/gemini-models.js';

export type ProviderChoice = 'auto' | 'gemini' | 'local';

/** Where finished backups are kept: BACKUP_TARGET. */
export const BACKUP_TARGETS = ['fs', 's3'] as const;
export type BackupTarget = (typeof BACKUP_TARGETS)[number];

/** Where STORAGE_DRIVER=s3 keeps images: any S3-compatible store (AWS, MinIO, R2, Ceph). */
export interface S3Settings {
  /** S3_ENDPOINT; unset for AWS itself. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Unset (both): the AWS SDK's default credentials (environment, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`: what MinIO and most self-hosted stores want. */
  forcePathStyle: boolean;
  /** Keys go under it (`images/full/<id>.webp`); empty or ending in `/`. */
  prefix: string;
}

/**
 * The service's typed configuration, parsed and validated once at boot. Injected by this
 * class as a token (services ask for `AppConfig`, never for raw environment variables).
 */
export abstract class AppConfig {
  declare readonly http: {
    host: string;
    port: number;
    /** Express's `trust proxy`: false, true, a hop count, or addresses/subnets of trusted proxies. */
    trustProxy: boolean | number | string;
    /** CORS_ORIGINS: the browser origins whose pages may call the API (`*`: any); `null` is a page opened from disk. */
    corsOrigins: string[] | '*';
    /**
     * SHUTDOWN_DRAIN_MS: on SIGTERM, how long /health/ready answers 503 while requests are
     * still served, so a load balancer stops sending before the server closes.
     */
    shutdownDrainMs: number;
    /** HTTP_HEADERS_TIMEOUT_MS: a client has this long to send its headers. */
    headersTimeoutMs: number;
    /** HTTP_REQUEST_TIMEOUT_MS: … and this long for the whole request, body included (a 25 MB import on a slow link). */
    requestTimeoutMs: number;
  };
  /** ADMIN_API_KEY; undefined means admin routes follow `adminWithoutKey`. */
  declare readonly adminApiKey?: string;
  /** ADMIN_WITHOUT_KEY: with no key, `loopback` opens admin routes to this machine; `off` closes them. */
  declare readonly adminWithoutKey: 'loopback' | 'off';
  declare readonly database: DatabaseConfig;
  declare readonly storage: {
    /** STORAGE_DRIVER: images in IMAGE_STORAGE_DIR (`fs`) or in an S3 bucket (`s3`). */
    driver: StorageDriver;
    /** Absolute path of IMAGE_STORAGE_DIR. */
    dir: string;
    /** The bucket: where images are with STORAGE_DRIVER=s3; otherwise set only to copy into it. */
    s3?: S3Settings;
    /** S3_SERVE: file routes send the bytes (`proxy`) or a 302 to a presigned URL of the bucket (`redirect`). */
    serve: 'proxy' | 'redirect';
    maxImageBytes: number;
    webpQuality: number;
    thumbnail: { width: number; height: number };
    /** Memory for recently served image files; 0 turns the cache and its fast path off. */
    fileCacheBytes: number;
  };
  declare readonly images: { maxPerItem: number };
  /** MIGRATION_MAX_MB: the body limit of the LocalStorage import route alone. */
  declare readonly migration: { maxBodyBytes: number };
  declare readonly generation: {
    /** What IMAGE_PROVIDER asked for, and what `auto` resolved to. */
    requested: ProviderChoice;
    provider: 'gemini' | 'local';
    gemini: {
      apiKey?: string;
      /** GEMINI_MODEL: in order of preference; a retired one gives way to the next. */
      models: string[];
      baseUrl?: string;
      timeoutMs: number;
      maxRetries: number;
      /** GEMINI_PRICES: estimated USD per image by model and size, over the built-in table. */
      prices: Record<string, ImagePrices>;
    };
    /** GEMINI_IMAGE_SIZE: the size drawn when a request names none. */
    imageSize: ImageSize;
    /** GEMINI_DAILY_IMAGE_LIMIT: Gemini images per UTC day; undefined = no cap. */
    geminiDailyLimit?: number;
  };
  declare readonly jobs: {
    /** GEMINI_MAX_CONCURRENT: generations running at once. */
    maxConcurrent: number;
    /** GEMINI_REQUESTS_PER_MINUTE: generations started per minute; undefined = no limit. */
    requestsPerMinute?: number;
    /** JOB_RETENTION_DAYS: how long a finished job's record is kept. */
    retentionDays: number;
    /** JOB_DEADLINE_SECONDS: how long after it was asked for a job may still wait out Gemini's quota. */
    deadlineMs: number;
  };
  /** Webhooks (a job's callbackUrl); undefined = off. */
  declare readonly webhooks?: {
    /** WEBHOOK_ALLOWED_HOSTS: host names (or `*.domain`) a callback may go to. */
    allowedHosts: string[];
    /** WEBHOOK_SECRET: the HMAC-SHA256 key of every delivery's signature. */
    secret: string;
  };
  declare readonly cache: { expiryDays: number };
  /** V1_AUTO_REFERENCES: a v1 generate for a subject with a featured image shows it to the model. */
  declare readonly seedApi: { autoReferences: boolean };
  declare readonly rateLimit: {
    enabled: boolean;
    /** POST /images/generate per client per window. */
    requestsPerMinute: number;
    /** POST /scenes/generate per client per window. */
    scenesPerMinute: number;
    /** The window; a minute unless tests shorten it. */
    windowSeconds: number;
  };
  declare readonly backup: {
    retentionDays: number;
    /** Absolute path of BACKUP_DIR: where backups are written and checked, and kept unless BACKUP_TARGET=s3. */
    dir: string;
    /** BACKUP_TARGET: finished backups kept in BACKUP_DIR (`fs`) or in the bucket (`s3`). */
    target: BackupTarget;
  };
  declare readonly maintenance: {
    /** Soft-deleted images are purged (row and files) this long after deletion. */
    purgeAfterDays: number;
    jobsEnabled: boolean;
    /** Cron expressions; null switches a job off. */
    cron: { expiredCache: string | null; orphanCleanup: string | null; backup: string | null };
  };
  /**
   * REDIS_URL: where replicas share rate-limit counts, scene locks and Gemini reservations.
   * Null (the embedded default) keeps all of that in this process's memory.
   */
  declare readonly redis: { url: string; keyPrefix: string } | null;
  /**
   * LOG_LEVEL, in pino's names (Nest's `log` is `info`, `verbose` is `trace`), and LOG_FORMAT:
   * one JSON object per line (the default when NODE_ENV=production, for log collectors) or
   * pretty lines for a terminal.
   */
  declare readonly log: { level: PinoLevel; format: LogFormat };
}

export type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type LogFormat = 'json' | 'pretty';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export const DEFAULT_DATABASE_URL = 'sqlite:///./dnd_game.db';
/** The old FastAPI backend's list: its game served on :8080 or opened from disk (`null`), and its own pages. */
export const DEFAULT_CORS_ORIGINS = ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://localhost:8000', 'http://127.0.0.1:8000', 'null'];
/** LOG_LEVEL takes Nest's names (as it always has) and pino's, for the same levels. */
const PINO_LEVEL_OF: Record<LogLevel | PinoLevel, PinoLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
  trace: 'trace',
};

/** Parses the environment (plus .env) into an AppConfig, or throws one ConfigValidationError. */
export function parseAppConfig(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): AppConfig {
  const read = new EnvReader(env);
  const geminiApiKey = read.optionalString('GEMINI_API_KEY');
  const requested = read.oneOf<ProviderChoice>('IMAGE_PROVIDER', ['auto', 'gemini', 'local'], 'auto');
  if (requested === 'gemini' && !geminiApiKey) {
    read.fail('IMAGE_PROVIDER=gemini needs GEMINI_API_KEY (or use IMAGE_PROVIDER=auto to fall back to the local provider)');
  }

  const storageDriver = read.oneOf('STORAGE_DRIVER', STORAGE_DRIVERS, 'fs');

  const config: AppConfig = {
    http: {
      host: read.string('HOST', '0.0.0.0'),
      port: read.integer('PORT', 8000, { min: 0, max: 65535 }),
      trustProxy: read.parse('TRUST_PROXY', false, 'true, false, a hop count, or proxy addresses (e.g. loopback, 10.0.0.0/8)', parseTrustProxy),
      corsOrigins: read.parse(
        'CORS_ORIGINS',
        DEFAULT_CORS_ORIGINS,
        'a comma-separated list of origins like http://localhost:8080 (scheme, host and port only), null, or *',
        parseCorsOrigins,
      ),
      shutdownDrainMs: read.integer('SHUTDOWN_DRAIN_MS', 3000, { min: 0, max: 120_000 }),
      headersTimeoutMs: read.integer('HTTP_HEADERS_TIMEOUT_MS', 10_000, { min: 1000, max: 600_000 }),
      requestTimeoutMs: read.integer('HTTP_REQUEST_TIMEOUT_MS', 60_000, { min: 1000, max: 3_600_000 }),
    },
    adminApiKey: read.optionalString('ADMIN_API_KEY'),
    adminWithoutKey: read.oneOf('ADMIN_WITHOUT_KEY', ['loopback', 'off'] as const, 'loopback'),
    database: readDatabaseUrl(read, cwd),
    storage: {
      driver: storageDriver,
      dir: resolve(cwd, read.string('IMAGE_STORAGE_DIR', 'images')),
      s3: readS3(read, storageDriver),
      serve: readServe(read, storageDriver),
      maxImageBytes: Math.round(read.number('MAX_IMAGE_SIZE_MB', 5, { min: 0.01 }) * 1024 * 1024),
      webpQuality: read.integer('WEBP_QUALITY', 85, { min: 1, max: 100 }),
      thumbnail: read.parse(
        'THUMBNAIL_SIZE',
        { width: 200, height: 200 },
        'a size like "(200, 200)" or "200x200", each side from 16 to 2048',
        parseThumbnailSize,
      ),
      fileCacheBytes: Math.round(read.number('IMAGE_CACHE_MB', 64, { min: 0 }) * 1024 * 1024),
    },
    images: { maxPerItem: read.integer('MAX_IMAGES_PER_ITEM', 20, { min: 1 }) },
    migration: { maxBodyBytes: Math.round(read.number('MIGRATION_MAX_MB', 25, { min: 1 }) * 1024 * 1024) },
    generation: {
      requested,
      provider: requested === 'local' || (requested === 'auto' && !geminiApiKey) ? 'local' : 'gemini',
      gemini: {
        apiKey: geminiApiKey,
        models: read.parse('GEMINI_MODEL', DEFAULT_GEMINI_MODELS, 'model ids in order of preference, comma-separated (e.g. gemini-3.1-flash-image,gemini-3-pro-image)', parseModelList),
        baseUrl: read.parse('GEMINI_BASE_URL', undefined, 'an http(s) URL', parseHttpUrl),
        timeoutMs: read.integer('GEMINI_TIMEOUT_MS', 60_000, { min: 100 }),
        maxRetries: read.integer('GEMINI_MAX_RETRIES', 3, { min: 0, max: 10 }),
        prices: read.parse('GEMINI_PRICES', {}, 'comma-separated model=usd or model:2K=usd entries (e.g. gemini-3-pro-image:4K=0.24)', parsePrices),
      },
      imageSize: read.parse('GEMINI_IMAGE_SIZE', DEFAULT_IMAGE_SIZE, `one of ${IMAGE_SIZES.join(', ')}`, (raw) =>
        IMAGE_SIZES.find((size) => size === raw.toUpperCase()),
      ),
      geminiDailyLimit: readOptionalLimit(read, 'GEMINI_DAILY_IMAGE_LIMIT', 'no cap'),
    },
    jobs: {
      maxConcurrent: read.integer('GEMINI_MAX_CONCURRENT', 10, { min: 1 }),
      requestsPerMinute: readOptionalLimit(read, 'GEMINI_REQUESTS_PER_MINUTE', 'no limit'),
      retentionDays: read.number('JOB_RETENTION_DAYS', 7, { min: 0.001 }),
      deadlineMs: read.integer('JOB_DEADLINE_SECONDS', 900, { min: 1 }) * 1000,
    },
    webhooks: readWebhooks(read),
    cache: { expiryDays: read.number('CACHE_EXPIRY_DAYS', 7, { min: 0.001 }) },
    seedApi: { autoReferences: read.boolean('V1_AUTO_REFERENCES', false) },
    rateLimit: {
      enabled: read.boolean('RATE_LIMIT_ENABLED', true),
      requestsPerMinute: read.integer('MAX_REQUESTS_PER_MINUTE', 10, { min: 1 }),
      scenesPerMinute: read.integer('SCENE_REQUESTS_PER_MINUTE', 5, { min: 1 }),
      windowSeconds: read.integer('RATE_LIMIT_WINDOW_SECONDS', 60, { min: 1 }),
    },
    backup: {
      retentionDays: read.integer('BACKUP_RETENTION_DAYS', 30, { min: 1 }),
      dir: resolve(cwd, read.string('BACKUP_DIR', 'backups')),
      target: readBackupTarget(read),
    },
    maintenance: {
      purgeAfterDays: read.number('IMAGE_PURGE_AFTER_DAYS', 7, { min: 0 }),
      jobsEnabled: read.boolean('JOBS_ENABLED', true),
      cron: {
        expiredCache: readCron(env, read, 'CLEANUP_CRON', '0 * * * *'),
        orphanCleanup: readCron(env, read, 'ORPHAN_CLEANUP_CRON', '30 3 * * *'),
        backup: readCron(env, read, 'BACKUP_CRON', '0 2 * * *'),
      },
    },
    redis: readRedis(read),
    log: {
      level: PINO_LEVEL_OF[read.oneOf('LOG_LEVEL', Object.keys(PINO_LEVEL_OF) as Array<keyof typeof PINO_LEVEL_OF>, 'log')],
      format: read.oneOf<LogFormat>('LOG_FORMAT', ['json', 'pretty'], read.optionalString('NODE_ENV') === 'production' ? 'json' : 'pretty'),
    },
  };

  if (read.problems.length > 0) throw new ConfigValidationError(read.problems);
  return config;
}

/** Webhooks are off until hosts are listed; then they must be signed. */
function readWebhooks(read: EnvReader): AppConfig['webhooks'] {
  const hosts = read.optionalString('WEBHOOK_ALLOWED_HOSTS');
  const secret = read.optionalString('WEBHOOK_SECRET');
  if (hosts === undefined) return undefined;
  const allowedHosts = hosts
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  if (allowedHosts.some((host) => !/^(\*\.)?[a-z0-9.:[\]-]+$/.test(host))) read.fail('WEBHOOK_ALLOWED_HOSTS must be comma-separated host names, IP addresses or *.domain patterns');
  if (!secret || secret.length < 16) read.fail('WEBHOOK_SECRET must be set (at least 16 characters) when WEBHOOK_ALLOWED_HOSTS is: every callback is signed with it');
  return { allowedHosts, secret: secret ?? '' };
}

/**
 * The S3_* settings: needed (and checked) when STORAGE_DRIVER=s3; read whenever S3_BUCKET is
 * set, so `npm run storage:copy` can reach the bucket before the switch.
 */
function readS3(read: EnvReader, driver: StorageDriver): S3Settings | undefined {
  const bucket = read.optionalString('S3_BUCKET');
  const settings: S3Settings = {
    endpoint: read.parse('S3_ENDPOINT', undefined, 'an http(s) URL (leave unset for AWS itself)', parseHttpUrl),
    bucket: bucket ?? '',
    region: read.string('S3_REGION', 'us-east-1'),
    accessKeyId: read.optionalString('S3_ACCESS_KEY_ID'),
    secretAccessKey: read.optionalString('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: read.boolean('S3_FORCE_PATH_STYLE', false),
    prefix: read.parse('S3_PREFIX', '', 'a key prefix like images/ (letters, digits, and . _ - /)', parseKeyPrefix),
  };
  if (driver !== 's3' && !bucket) return undefined;
  if (!bucket) read.fail('S3_BUCKET must be set when STORAGE_DRIVER=s3: the bucket images are kept in');
  if ((settings.accessKeyId === undefined) !== (settings.secretAccessKey === undefined)) {
    read.fail('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS default credentials');
  }
  return settings;
}

/** Backups to the bucket need a bucket (which STORAGE_DRIVER=fs does not ask for). */
function readBackupTarget(read: EnvReader): BackupTarget {
  const target = read.oneOf('BACKUP_TARGET', BACKUP_TARGETS, 'fs');
  if (target === 's3' && !read.optionalString('S3_BUCKET')) read.fail('BACKUP_TARGET=s3 needs S3_BUCKET (and the other S3_* settings): the bucket backups go to');
  return target;
}

/** Redirecting to the bucket needs a bucket. */
function readServe(read: EnvReader, driver: StorageDriver): 'proxy' | 'redirect' {
  const serve = read.oneOf('S3_SERVE', ['proxy', 'redirect'] as const, 'proxy');
  if (serve === 'redirect' && driver !== 's3') read.fail('S3_SERVE=redirect needs STORAGE_DRIVER=s3: only a bucket can be redirected to');
  return serve;
}

/** An integer ≥ 1, or unset for none. */
function readOptionalLimit(read: EnvReader, name: string, unsetMeans: string): number | undefined {
  return read.parse(name, undefined, `an integer ≥ 1 (or unset for ${unsetMeans})`, (raw) => (/^\d+$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined));
}

function readRedis(read: EnvReader): AppConfig['redis'] {
  // Several deployments (or test files) may share one Redis; each keeps to its own keys.
  const keyPrefix = read.string('REDIS_KEY_PREFIX', 'dnd-images:');
  const url = read.optionalString('REDIS_URL');
  if (url === undefined) return null;
  if (!isRedisUrl(url)) {
    read.fail(`REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0 (got "${redactUrlPassword(url)}")`);
    return null;
  }
  return { url, keyPrefix };
}

function isRedisUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return ['redis:', 'rediss:'].includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `images`, `/images/` → `images/`; empty stays empty (the bucket's root). */
function parseKeyPrefix(raw: string): string | undefined {
  if (!/^[\w.\-/]*$/.test(raw)) return undefined;
  const trimmed = raw.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function parseThumbnailSize(raw: string): { width: number; height: number } | undefined {
  const match = /^\(?\s*(\d+)\s*[,x×]\s*(\d+)\s*\)?$/i.exec(raw);
  if (!match) return undefined;
  const [width, height] = [Number(match[1]), Number(match[2])];
  const valid = (side: number) => side >= 16 && side <= 2048;
  return valid(width) && valid(height) ? { width, height } : undefined;
}

/** A cron expression; set but empty (`BACKUP_CRON=`) switches the job off. */
function readCron(env: Readonly<Record<string, string | undefined>>, read: EnvReader, name: string, fallback: string): string | null {
  if (env[name] !== undefined && env[name]!.trim() === '') return null;
  return read.parse(name, fallback, 'a cron expression like "0 2 * * *" (or empty to switch the job off)', (raw) =>
    validateCronExpression(raw).valid ? raw : undefined,
  );
}

/**
 * Express's `trust proxy`: true/false, a hop count, or addresses, subnets and the named ranges
 * (loopback, linklocal, uniquelocal). A list is checked by proxy-addr, the library Express
 * compiles it with, so what boots is exactly what Express accepts.
 */
function parseTrustProxy(raw: string): boolean | number | string | undefined {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  try {
    proxyAddr.compile(value.split(',').map((part) => part.trim()));
    return raw.trim();
  } catch {
    return undefined;
  }
}

function parseCorsOrigins(raw: string): string[] | '*' | undefined {
  const origins = raw.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  if (origins.length === 0) return undefined;
  if (origins.includes('*')) return origins.length === 1 ? '*' : undefined;
  return origins.every((origin) => origin === 'null' || isOrigin(origin)) ? origins : undefined;
}

/** An origin as browsers send it: scheme, host and port, nothing after. */
function isOrigin(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === raw;
  } catch {
    return false;
  }
}

function parseHttpUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

