/**
 * Starting the processes under test: the BUILT service (`node dist/src/main.js`) in a
 * directory of its own, and the bare baseline servers (which report their port over IPC).
 * Every scenario that needs a server starts it through here, with the same environment.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, firstMessage, freePort, spawnNode, waitForOk } from './children.js';

export const HOST = '127.0.0.1';
const HEALTH_TIMEOUT_MS = 60_000;

/** dist/bench: the compiled benchmark, next to dist/src (the compiled service). */
export const BENCH_DIST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVICE_ENTRY = resolve(BENCH_DIST_DIR, '../src/main.js');

export interface Service {
  child: Child;
  baseUrl: string;
  /** The directory it runs in (its cwd), holding its database and storage. */
  dir: string;
  storageDir: string;
  /** The service's SQLite database (WAL mode); baselines read the same file. */
  dbPath: string;
  coldStartMs: number;
}

/** Only what node needs, plus the service's settings: no stray .env or shell config leaks in. */
export function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, LANG, TZ } = process.env;
  return { PATH, HOME, LANG, TZ, NODE_ENV: 'production' };
}

/** The service's settings for a run in `dir` (database and storage inside it). */
export function serviceEnv(dir: string): Record<string, string> {
  return {
    HOST,
    DATABASE_URL: `sqlite:///${join(dir, 'bench.db')}`, // absolute path → four slashes
    IMAGE_STORAGE_DIR: join(dir, 'images'),
    IMAGE_PROVIDER: 'local',
    LOG_LEVEL: 'warn',
    // Seeding posts 20 generations in a few seconds and the scene scenario posts thousands of
    // scene requests a second; the benchmark measures serving, not the rate limiter's refusals
    // (429). The per-minute setting is kept in case the switch is ever ignored.
    RATE_LIMIT_ENABLED: 'false',
    MAX_REQUESTS_PER_MINUTE: '1000000',
    // No cron job may wake up in the middle of a measurement.
    JOBS_ENABLED: 'false',
  };
}

/** Settings that point the service's Gemini provider (the real @google/genai SDK) at a fake Gemini server. */
export function fakeGeminiEnv(baseUrl: string, model: string): Record<string, string> {
  return { IMAGE_PROVIDER: 'gemini', GEMINI_API_KEY: 'bench-not-a-real-key', GEMINI_BASE_URL: baseUrl, GEMINI_MODEL: model };
}

/**
 * Starts the built service in `dir` (its cwd, database and storage) and times it to healthy.
 * `env` adds to or overrides serviceEnv (say, Gemini settings).
 */
export async function startService(dir: string, env: Record<string, string> = {}): Promise<Service> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort(HOST);
  const settings: Record<string, string> = { ...serviceEnv(dir), PORT: String(port), ...env };
  const baseUrl = `http://${HOST}:${port}`;
  const started = performance.now();
  const child = spawnNode({ args: [SERVICE_ENTRY], cwd: dir, env: { ...baseEnv(), ...settings } });
  await waitForOk(`${baseUrl}/health`, child, HEALTH_TIMEOUT_MS);
  return {
    child,
    baseUrl,
    dir,
    storageDir: settings.IMAGE_STORAGE_DIR,
    dbPath: join(dir, 'bench.db'),
    coldStartMs: performance.now() - started,
  };
}

export interface Baseline {
  child: Child;
  baseUrl: string;
}

/** A compiled baseline server under dist/bench (e.g. `baseline-server.js`) and its arguments. */
export async function startBaseline(entry: string, args: string[], cwd: string): Promise<Baseline> {
  const child = spawnNode({
    args: [resolve(BENCH_DIST_DIR, entry), ...args, '--host', HOST],
    cwd,
    env: baseEnv(),
    ipc: true,
  });
  const { port } = await firstMessage<{ port: number }>(child, 10_000);
  return { child, baseUrl: `http://${HOST}:${port}` };
}
