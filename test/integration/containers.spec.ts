import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { freePort, stopProcess } from '../support/replica-process.js';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { checkDockerfile, last, parseDockerfile, stageEnv, workdir } from '../../scripts/check-dockerfile.mjs';
import { parseAppConfig } from '../../src/config/app-config.js';
import { configVariableNames } from '../support/config-variables.js';

/*
 * No Docker engine runs here: the image is never built, nor compose started. What can be
 * checked without one is: the Dockerfile's stages against package.json (the script), its
 * ports and paths against the config's defaults, the runtime stage's files laid out on this
 * machine and started with its CMD and HEALTHCHECK, compose.yaml against the config schema
 * and README "Running several replicas", and .env.example against the schema.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const run = promisify(execFile);

const CONFIG_VARIABLES = configVariableNames();
const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = dockerfile.stages.at(-1)!;
const WORKDIR = workdir(dockerfile, runtime);
/** The runtime stage's ENV (PATH and what the service reads). */
const IMAGE_ENV = stageEnv(dockerfile, runtime);
/** The config's defaults, as a process started in the image's WORKDIR sees them. */
const DEFAULTS = parseAppConfig({}, WORKDIR);
const VOLUMES = runtime.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => i.args);
const PG_MAJOR = Number(runtime.instructions.find((i) => i.keyword === 'ARG' && i.rest.startsWith('PG_MAJOR='))?.rest.split('=')[1]);

describe('the config schema, as these tests read it', () => {
  it('names every variable it reads (the Proxy trick still sees them)', () => {
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(['DATABASE_URL', 'PORT', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'IMAGE_CACHE_MB', 'BACKUP_CRON', 'TRUST_PROXY']));
    expect(CONFIG_VARIABLES.length).toBeGreaterThanOrEqual(40);
  });
});

describe('.env.example', () => {
  const text = read('.env.example');
  // An assignment, set or commented out (`# REDIS_URL=…`); prose never starts a line with NAME=.
  const names = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);

  it('names every variable the config schema reads, once, and nothing else', () => {
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect([...names].sort()).toEqual(CONFIG_VARIABLES);
  });

  it('shows the defaults, as its header says: copied as it is, it configures what no file does', () => {
    const env = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    expect(parseAppConfig(env, '/srv/app')).toEqual(parseAppConfig({}, '/srv/app'));
  });

  it('agrees with the README\'s configuration table', () => {
    const table = [...readmeSection('Configuration').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1]);
    expect([...table].sort()).toEqual(CONFIG_VARIABLES);
  });
});

describe('Dockerfile', () => {
  it('passes scripts/check-dockerfile.mjs: its stages agree with package.json and the lockfile', async () => {
    const problems = checkDockerfile({ dockerfile: read('Dockerfile'), packageJson: JSON.parse(read('package.json')), lockfile: JSON.parse(read('package-lock.json')) });
    expect(problems).toEqual([]);
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts/check-dockerfile.mjs')]);
    expect(stdout).toContain('Dockerfile: ok');
  });

  it('the script finds what breaks the agreement', () => {
    const text = read('Dockerfile');
    const packageJson = JSON.parse(read('package.json'));
    const lockfile = JSON.parse(read('package-lock.json'));
    const check = (from: string, to: string) => {
      expect(text).toContain(from);
      return checkDockerfile({ dockerfile: text.replace(from, to), packageJson, lockfile }).join('\n');
    };
    expect(check('FROM node:20-bookworm-slim', 'FROM node:18-bookworm-slim')).toMatch(/does not satisfy engines\.node/);
    expect(check('FROM node:20-bookworm-slim', 'FROM node:20.18-bookworm-slim')).toMatch(/does not satisfy engines\.node/);
    expect(check('CMD ["node", "dist/src/main.js"]', 'CMD ["node", "dist/main.js"]')).toMatch(/is not `npm start`'s command/);
    expect(check('RUN npm run build', 'RUN npx tsc')).toMatch(/no stage runs `npm ci` and then `npm run build`/);
    expect(check('npm ci --omit=dev', 'npm ci')).toMatch(/no stage runs `npm ci --omit=dev`/);
    expect(check('FROM base AS prod-deps', 'FROM node:20-alpine AS prod-deps')).toMatch(/not the runtime's/);
    expect(check('USER node', 'USER root')).toMatch(/runs as root/);
    expect(check('npm ci --omit=dev --ignore-scripts', 'npm ci --omit=dev')).toMatch(/without --ignore-scripts/);
    expect(check('npm rebuild @google/genai better-sqlite3', 'npm rebuild @google/genai better-sqlite3 @scarf/scarf')).toMatch(/rebuilds @scarf\/scarf, which package.json's allowScripts does not allow/);
    expect(check('npm rebuild @google/genai better-sqlite3', 'npm rebuild @google/genai')).toMatch(/allowed production packages with install scripts are \[@google\/genai, better-sqlite3\]/);
    expect(check("'/health/live'", "'/health'")).toMatch(/no HEALTHCHECK on \/health\/live/);
    expect(check('COPY package.json ./\n', '')).toMatch(/does not copy package.json/);
  });

  it('exposes the config\'s default port and declares its data folders as volumes: the defaults\' images and backups, and the database\'s folder', () => {
    expect(runtime.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args)).toEqual([String(DEFAULTS.http.port)]);
    expect(DEFAULTS.http.port).toBe(8000);
    // IMAGE_STORAGE_DIR and BACKUP_DIR keep their defaults (images, backups) under the WORKDIR.
    expect(IMAGE_ENV).not.toHaveProperty('IMAGE_STORAGE_DIR');
    expect(IMAGE_ENV).not.toHaveProperty('BACKUP_DIR');
    const config = parseAppConfig(IMAGE_ENV, WORKDIR);
    expect(config.database.driver).toBe('sqlite');
    const databaseDir = config.database.driver === 'sqlite' ? posix.dirname(config.database.path) : '';
    expect([...VOLUMES].sort()).toEqual([databaseDir, config.storage.dir, config.backup.dir].sort());
    expect(config.storage.dir).toBe(DEFAULTS.storage.dir);
    expect(config.backup.dir).toBe(DEFAULTS.backup.dir);
    // The folders exist in the image, owned by the user the service runs as (so a new named volume is too).
    const user = last(runtime, 'USER')!.rest;
    const prepared = runtime.instructions.filter((i) => i.keyword === 'RUN' && /\bmkdir\b/.test(i.rest) && i.rest.includes(`chown ${user}`));
    for (const volume of VOLUMES) expect(prepared.some((i) => i.rest.includes(volume))).toBe(true);
  });

  it('sets only variables the config reads (and PATH), with valid values', () => {
    for (const name of Object.keys(IMAGE_ENV)) if (name !== 'PATH') expect(CONFIG_VARIABLES).toContain(name);
    expect(() => parseAppConfig(IMAGE_ENV, WORKDIR)).not.toThrow();
  });

  it('puts pg_dump and pg_restore of PG_MAJOR first on the PATH, the major compose.yaml\'s PostgreSQL runs', () => {
    expect(PG_MAJOR).toBeGreaterThanOrEqual(13); // README: PostgreSQL 13 or newer
    expect(IMAGE_ENV.PATH.split(':')[0]).toBe(`/usr/lib/postgresql/${PG_MAJOR}/bin`);
    expect(read('Dockerfile')).toMatch(/apt-get install[^\n]*"postgresql-client-\$\{PG_MAJOR\}"/);
    expect(imageMajor(compose().services.postgres.image)).toBe(PG_MAJOR);
  });

  it('runs the command the README runs replicas with', () => {
    const cmd = last(runtime, 'CMD')!.json!;
    expect(readmeSection('Running several replicas')).toContain(`${cmd.join(' ')} &`);
    expect(readmeSection('Running in containers')).toContain(cmd.join(' '));
  });
});

describe('the runtime stage, laid out on this machine and started with its CMD and HEALTHCHECK', () => {
  let base: string;
  let app: string;
  let port: number;
  let env: Record<string, string>;
  let service: ChildProcess | undefined;
  let output = '';
  let filesBefore: string[];

  /** A path in the image → the same path under this test's folder. */
  const here = (imagePath: string) => join(app, posix.relative(WORKDIR, imagePath));

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test\'s pretest does)');
    base = mkdtempSync(join(tmpdir(), 'dnd-image-container-'));
    app = join(base, 'app');
    layOutRuntime(app);
    for (const volume of VOLUMES) mkdirSync(here(volume), { recursive: true });
    filesBefore = listFiles(app, VOLUMES.map(here));
    port = await freePort();
    // The image's environment with its paths moved here; no .env in the folder, nothing inherited.
    env = Object.fromEntries(Object.entries(IMAGE_ENV).map(([name, value]) => [name, value.split(`${WORKDIR}/`).join(`${app}/`)]));
    env = { ...env, PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DRAIN_MS: '0' };
    const cmd = last(runtime, 'CMD')!.json!;
    expect(cmd[0]).toBe('node');
    service = spawn(process.execPath, cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    service.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    service.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  }, 60_000);

  afterAll(async () => {
    await stopService();
    if (base) rmSync(base, { recursive: true, force: true });
  }, 30_000);

  async function stopService(): Promise<void> {
    if (service) await stopProcess(service, 15_000);
  }

  /** The HEALTHCHECK's command, run as Docker would, in the container's environment: its exit code. */
  async function healthcheck(): Promise<number> {
    const [program, ...args] = last(runtime, 'HEALTHCHECK')!.json!;
    expect(program).toBe('node');
    return run(process.execPath, args, { env, timeout: 10_000 }).then(
      () => 0,
      (error: { code?: number }) => error.code ?? 1,
    );
  }

  it('boots: the HEALTHCHECK command turns healthy, migrations ran into the data volume', async () => {
    // It boots in seconds; the margin is for a loaded machine.
    const deadline = Date.now() + 90_000;
    while ((await healthcheck()) !== 0) {
      if (service!.exitCode !== null) throw new Error(`the service exited with ${service!.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`not healthy in 90 s:\n${output}`);
      await sleep(200);
    }
    const config = parseAppConfig(env, app);
    expect(config.database.driver === 'sqlite' && existsSync(config.database.path)).toBe(true);
    expect(output).toMatch(/Listening on/);
    expect(readdirSync(config.storage.dir).sort()).toEqual(['full', 'thumbnails']);
  }, 120_000);

  it('serves the web app and the API from the copied dist, and stores images in the images volume', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const asset = /(?:src|href)="(\/assets\/[^"]+)"/.exec(await page.text())?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${port}${asset}`)).status).toBe(200);
    // The descriptor's version comes from the copied package.json.
    const descriptor = (await (await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'application/json' } })).json()) as { version: string };
    expect(descriptor.version).toBe(JSON.parse(read('package.json')).version);
    expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    const generated = await fetch(`http://127.0.0.1:${port}/api/v2/images/generate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse keeper in a container' }),
    });
    expect(generated.status).toBe(201);
    expect(readdirSync(join(here(DEFAULTS.storage.dir), 'full')).filter((name) => name.endsWith('.webp'))).toHaveLength(1);
  }, 60_000);

  it('takes a backup into the backups volume with the copied scripts/backup.sh, the server up', async () => {
    const { stdout } = await run('sh', [join(app, 'scripts/backup.sh')], { env, timeout: 60_000 });
    expect(stdout).toMatch(/dnd_game_\d{8}_\d{6}\.db\.gz/);
    expect(readdirSync(here(DEFAULTS.backup.dir)).filter((name) => /^dnd_game_\d{8}_\d{6}\.db\.gz$/.test(name))).toHaveLength(1);
  }, 90_000);

  it('writes nothing outside its volumes, and the HEALTHCHECK fails once it has stopped', async () => {
    await stopService();
    expect(service!.exitCode !== null || service!.signalCode !== null).toBe(true);
    expect(listFiles(app, VOLUMES.map(here))).toEqual(filesBefore);
    expect(await healthcheck()).toBe(1);
  }, 30_000);
});

describe('compose.yaml', () => {
  const file = compose();
  const appServices = Object.entries(file.services).filter(([, service]) => buildsThisImage(service));
  const [, firstReplica] = appServices[0];
  const replicaEnv = environment(firstReplica);

  it('parses, with PostgreSQL, Redis, two replicas of this image and a reverse proxy', () => {
    expect(Object.keys(file.services).sort()).toEqual(['postgres', 'proxy', 'redis', 'replica-1', 'replica-2']);
    expect(appServices.map(([name]) => name)).toEqual(['replica-1', 'replica-2']);
  });

  it('sets on the replicas only variables the config schema reads, the same on every replica', () => {
    for (const [, service] of appServices) {
      for (const name of Object.keys(environment(service))) expect(CONFIG_VARIABLES).toContain(name);
      expect(environment(service)).toEqual(replicaEnv);
    }
  });

  it('sets every variable README "Running several replicas" gives each replica', () => {
    const block = codeBlocks(readmeSection('Running several replicas'), 'bash').find((code) => /^DATABASE_URL=/m.test(code))!;
    const readmeNames = [...block.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(readmeNames).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'IMAGE_STORAGE_DIR', 'TRUST_PROXY', 'ADMIN_API_KEY']));
    expect(Object.keys(replicaEnv).sort()).toEqual([...readmeNames].sort());
  });

  it('interpolates only the secrets .env must give (the README says which), and then the config accepts the replicas\' values', () => {
    const used = new Set([...JSON.stringify(file).matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]));
    for (const name of used) {
      const postgresVariable = name in environment(file.services.postgres);
      expect(CONFIG_VARIABLES.includes(name) || postgresVariable).toBe(true);
      expect(readmeSection('Running in containers')).toContain(name);
    }
    expect(() => interpolate(replicaEnv, {})).toThrow(/POSTGRES_PASSWORD|ADMIN_API_KEY/);

    const values = interpolate(replicaEnv, { POSTGRES_PASSWORD: 'pw', ADMIN_API_KEY: 'key' });
    const config = parseAppConfig(values, WORKDIR);
    const postgres = environment(file.services.postgres);
    expect(config.database).toEqual({ driver: 'postgres', url: `postgres://${postgres.POSTGRES_USER}:pw@postgres:5432/${postgres.POSTGRES_DB}` });
    expect(postgres.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD[:?}]/);
    expect(new URL(config.redis!.url).hostname).toBe('redis');
    expect(config.adminApiKey).toBe('key');
    expect(config.http.trustProxy).toBe(1);
    expect(config.http.port).toBe(DEFAULTS.http.port);
  });

  it('mounts one named volume per shared folder on every replica, where the image declares its volumes', () => {
    const config = parseAppConfig(interpolate(replicaEnv, { POSTGRES_PASSWORD: 'pw', ADMIN_API_KEY: 'key' }), WORKDIR);
    for (const folder of [config.storage.dir, config.backup.dir]) {
      expect(VOLUMES).toContain(folder);
      const sources = appServices.map(([, service]) => mounts(service).find((mount) => mount.target === folder)?.source);
      expect(sources[0]).toBeDefined();
      expect(Object.keys(file.volumes ?? {})).toContain(sources[0]);
      expect(new Set(sources)).toEqual(new Set([sources[0]]));
    }
  });

  it('publishes only the proxy: the replicas\' one hop (TRUST_PROXY=1) is always nginx', () => {
    for (const [, service] of appServices) expect(service.ports ?? []).toEqual([]);
    expect(file.services.proxy.ports).toEqual([`${DEFAULTS.http.port}:80`]);
    for (const name of ['postgres', 'redis']) expect(file.services[name].ports ?? []).toEqual([]);
  });

  it('starts the replicas after PostgreSQL and Redis are healthy, and the proxy after the replicas', () => {
    for (const [, service] of appServices) {
      expect(service.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    }
    expect(file.services.proxy.depends_on).toEqual(Object.fromEntries(appServices.map(([name]) => [name, { condition: 'service_healthy' }])));
  });

  it('gives nginx the committed config: README\'s settings, the replicas by name on the image\'s port', () => {
    expect(mounts(file.services.proxy)).toEqual([{ source: './deploy/nginx.conf', target: '/etc/nginx/conf.d/default.conf' }]);
    const ours = nginxStatements(read('deploy/nginx.conf'));
    const readme = nginxStatements(codeBlocks(readmeSection('Running several replicas'), 'nginx')[0]);
    const settings = readme.filter((statement) => !/^(upstream|server \S)/.test(statement));
    expect(settings).toEqual(expect.arrayContaining(['listen 80', 'client_max_body_size 26m', 'proxy_read_timeout 300s']));
    expect(ours).toEqual(expect.arrayContaining(settings));
    const upstreams = ours.filter((statement) => /^server \S/.test(statement)).map((statement) => statement.split(/\s+/)[1]);
    expect(upstreams).toEqual(appServices.map(([name]) => `${name}:${DEFAULTS.http.port}`));
    // `resolve` in an upstream is in open-source nginx from 1.27.3.
    const [major, minor] = (file.services.proxy.image.split(':')[1] ?? '').split(/[.-]/).map(Number);
    expect(major > 1 || minor >= 28).toBe(true);
  });
});

// --- helpers ---------------------------------------------------------------------------------

interface ComposeService {
  image: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  ports?: string[];
  volumes?: Array<string | { source?: string; target: string }>;
  depends_on?: Record<string, { condition?: string }> | string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

function compose(): ComposeFile {
  return parseYaml(read('compose.yaml')) as ComposeFile;
}

function buildsThisImage(service: ComposeService): boolean {
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  return build !== undefined && (build.context ?? '.') === '.' && (build.dockerfile ?? 'Dockerfile') === 'Dockerfile';
}

function environment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)]));
  return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
}

function mounts(service: ComposeService): Array<{ source?: string; target: string }> {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source, target: volume.target };
    const [source, target] = volume.split(':');
    return target === undefined ? { target: source } : { source, target };
  });
}

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}; `given` is the .env. */
function interpolate(env: Record<string, string>, given: Record<string, string>): Record<string, string> {
  const one = (value: string) =>
    value.replace(/\$\{([A-Z][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_whole, name: string, operator: string | undefined, rest: string) => {
      const set = given[name] !== undefined && (given[name] !== '' || !operator?.startsWith(':'));
      if (set) return given[name];
      if (operator?.endsWith('?')) throw new Error(`${name}: ${rest}`);
      return operator?.endsWith('-') ? rest : '';
    });
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, one(value)]));
}

function imageMajor(image: string): number {
  return Number(/:(\d+)/.exec(image)?.[1]);
}

/** README.md from `## title` to the next `## ` heading. */
function readmeSection(title: string): string {
  const readme = read('README.md');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

function codeBlocks(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]);
}

/** An nginx config's statements, comments dropped and blanks collapsed: `proxy_read_timeout 300s`, `location /`. */
function nginxStatements(config: string): string[] {
  return config
    .replace(/#[^\n]*/g, '')
    .split(/[;{}]/)
    .map((statement) => statement.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
}

/** The runtime stage's COPYs, done here: dist from this checkout's build, node_modules linked, the rest copied. */
function layOutRuntime(app: string): void {
  for (const copy of runtime.instructions.filter((i) => i.keyword === 'COPY')) {
    const destination = copy.args.at(-1)!;
    for (const source of copy.args.slice(0, -1)) {
      const from = copy.flags.from ? join(ROOT, posix.relative(workdir(dockerfile, dockerfile.stages.find((stage) => stage.name === copy.flags.from)!), source)) : join(ROOT, source);
      const target = destination.endsWith('/') ? join(app, destination, posix.basename(source)) : join(app, destination);
      mkdirSync(dirname(target), { recursive: true });
      // The prod stage's node_modules is this checkout's (with dev dependencies too).
      if (source.endsWith('node_modules')) symlinkSync(from, target, 'dir');
      else cpSync(from, target, { recursive: true });
    }
  }
}

/** Every file under `dir` but in `skipped` folders (node_modules, a link, not followed), relative to it, sorted. */
function listFiles(dir: string, skipped: string[]): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (skipped.includes(path)) files.push(`${relative(dir, path)}/ (volume)`);
      else if (entry.isDirectory()) walk(path);
      else files.push(relative(dir, path));
    }
  };
  walk(dir);
  return files.sort();
}
