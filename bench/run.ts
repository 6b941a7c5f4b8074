/**
 * Benchmark of the image service against bare baselines: the read path, search over 100k
 * images, the generation pipeline's overhead, 50 concurrent generations, and what reference
 * pictures add to a generation.
 *
 *   npm run bench            (builds, then runs dist/bench/run.js)
 *
 * What it does, in order (about nine minutes on 2 cores):
 *   1. Cold start: spawn the BUILT service (`node dist/src/main.js`) three times, each with a
 *      fresh temp database and storage dir, and time spawn → first 200 from /health.
 *      The third instance stays up as the service under test.
 *   2. Seed 20 images through the API (the local provider: no network), and one scene in the
 *      scene cache (a POST that misses, then one that must hit). The image read is also looked
 *      up by its number (v1's integer id), and v1 must answer its bytes as base64.
 *   3. Per scenario, loads from this process (the load generator, one core) against a server
 *      in its own process (the other core), after a 1 s warm-up:
 *        - throughput: closed loop, 10 connections, as fast as possible;
 *        - fixed rate: autocannon overallRate 200 req/s, steady (1 connection) and bursty (10).
 *      A server's scenarios run phase by phase (every warm-up, then every throughput run, …),
 *      so drift of the machine falls on all of them alike.
 *      Scenarios: the service's JSON, /thumbnail, /full, /full with If-None-Match (304), the
 *      old contract's GET /api/v1/images/{number} (JSON with the WebP as base64, counting a use;
 *      and with include_data=false), a scene cache hit (POST /scenes/generate with the seeded
 *      description), two node:http baselines answering the same /full bytes from memory and
 *      from disk, and a node:http + better-sqlite3 baseline answering the same scene hit from
 *      the service's database file. Then, in this process, what base64 + JSON of the same file
 *      costs: what v1's GET may cost over v2's (the report compares the two).
 *   4. Memory: the service's RSS around the throughput runs, and over a ~100k-request soak
 *      of /thumbnail (sized to the time budget). Then the service stops and the baselines
 *      run, one at a time.
 *   5. The other sections (bench/sections.ts; `node dist/bench/section.js <name>…` runs some
 *      alone), each in its own module with its own service instance and data:
 *        - bench/search.ts: GET /images/search over 100,000 seeded rows vs node:http +
 *          better-sqlite3 running the same SQL (p99 ≤ 10 ms);
 *        - bench/generation.ts: the service's pipeline (ImagesService.store in-process) vs
 *          bare sharp + fs + better-sqlite3, per image (≤ 1.2×);
 *        - bench/concurrency.ts: 50 concurrent POST /images/generate against the fake Gemini
 *          server answering after 2 s (≤ 4 s), vs 2 s + bare sharp on the same PNGs;
 *        - bench/queue.ts: 500 asynchronous generations queued at once, 20 at a time, against
 *          the fake answering after 2 s (≤ 1.1× of 500 / 20 × 2 s plus processing), and the
 *          queue's own overhead with a free slot (p99 ≤ 5 ms);
 *        - bench/references.ts: POST /images/generate with 4 reference pictures vs without,
 *          one at a time against the fake Gemini server answering at once, the service's
 *          side of each (≤ 1.2×).
 *   6. Prints markdown tables (stdout; progress goes to stderr) and writes
 *      bench/results/latest.json.
 *
 * Targets are printed beside the measurements; missing one does not fail the run (this is a
 * measurement, not a test). Unexpected responses DO fail it: they would make the numbers lie.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GENERATE_PATH, type ImageJson, postGenerate } from './lib/api.js';
import { log, runBenchMain } from './lib/bench-main.js';
import { rssBytes, stopChild } from './lib/children.js';
import { base64JsonCost, type EncodeCost } from './lib/encode-cost.js';
import { badRuns, bodyBufferingPatchMissed, cpuMicrosPerRequest, type Load, type Measurement, measure, median, type Target } from './lib/measure.js';
import { BENCH_DIST_DIR, type Service, startBaseline, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';
import { plannedSeconds, runSections, SECTION_NAMES } from './sections.js';
import { v1ReadReport } from './v1-read.js';

const CONFIG = {
  coldStarts: 3,
  seedImages: 20,
  /** The scene seeded into the scene cache, then requested again and again (every one a hit). */
  sceneDescription: 'The party enters a flooded dwarven forge lit by glowing runes',
  /** Lets V8 optimise the hot path and sockets settle before anything is recorded. */
  warmup: { kind: 'throughput', connections: 10, durationS: 1 } satisfies Load,
  throughput: { kind: 'throughput', connections: 10, durationS: 5 } satisfies Load,
  /**
   * autocannon paces overallRate per connection and per second: each connection sends its
   * share back to back at the start of every second, then idles. With 10 connections the
   * server sees 10-deep bursts, which is not "200 req/s" but a concurrency-10 test. One
   * connection sends requests one after another, never overlapping, which is what a steady
   * 200 req/s (one every 5 ms) looks like to a server answering in well under 5 ms.
   */
  fixedRate: { kind: 'rate', rate: 200, connections: 1, durationS: 5 } satisfies Load,
  /** The same rate as 10-deep bursts: an upper bound, shown beside the steady one. */
  fixedRateBursty: { kind: 'rate', rate: 200, connections: 10, durationS: 5 } satisfies Load,
  /** The "flat over 100k requests" check; shortened if the time budget says so. */
  soak: {
    requests: 100_000,
    connections: 10,
    warmup: { kind: 'throughput', durationS: 3 },
    maxSeconds: 60,
    rssSampleMs: 500,
  },
  /**
   * Whole run (after the build) should stay under ~7.5 minutes (5 before the v1 rows: two read
   * scenarios and four searches, service and baseline, add about 75 s; the reference pictures'
   * section 35 s). Everything else has a fixed length; the soak gets what is left (100k
   * requests take a few seconds on an idle machine).
   */
  budgetSeconds: 455,
} as const;

const TARGETS = {
  fullVsMemoryBaseline: 0.6,
  sceneHitVsSqliteBaseline: 0.5,
  p99AtFixedRateMs: 5,
  /** "Flat": the post-GC RSS floor late in the soak at most this much above the early one. */
  soakRssGrowthPct: 10,
} as const;

const BASELINE_ENTRY = 'baseline-server.js';
const SCENE_BASELINE_ENTRY = 'baseline-scene-server.js';
const SCENES_PATH = '/api/v2/scenes/generate';
const V1_IMAGES_PATH = '/api/v1/images';
const RESULTS_FILE = resolve(BENCH_DIST_DIR, '../../bench/results/latest.json');

// ---------------------------------------------------------------------------------------
// Seeding

interface SeededImage {
  id: string;
  /** v1's id for it: the number the service gave it. */
  number: number;
  /**
   * The second seeded image's number: v1's include_data=false twin reads that one, so each v1
   * scenario's use count (checked against its responses) is its own while they interleave.
   */
  secondNumber: number;
  etag: string;
  fullPath: string;
  fullBytes: number;
  thumbnailBytes: number;
  /** v1's answer for it without `base64_data`: the body the in-process encode is timed with. */
  v1Metadata: Record<string, unknown>;
}

/** Generates `count` images; the first is the one every scenario reads (but one, see secondNumber). */
async function seed(service: Service, count: number): Promise<SeededImage> {
  const ids: string[] = [];
  let first: ImageJson | undefined;
  for (let i = 0; i < count; i++) {
    const response = await postGenerate(service.baseUrl, { prompt: `benchmark image ${i + 1}: a dragon over a ruined keep` });
    if (response.status !== 201) throw new Error(`POST ${GENERATE_PATH} answered ${response.status}: ${await response.text()}`);
    const image = (await response.json()) as ImageJson;
    first ??= image;
    ids.push(image.id);
  }
  if (!first || ids.length < 2) throw new Error('Seeding needs two images at least');

  // Check the files are where the baselines will read them, and learn the ETag.
  const fullPath = join(service.storageDir, 'full', `${first.id}.webp`);
  const onDisk = readFileSync(fullPath);
  const full = await fetch(`${service.baseUrl}${first.urls.full}`);
  const served = Buffer.from(await full.arrayBuffer());
  const etag = full.headers.get('etag');
  if (full.status !== 200 || !etag || !served.equals(onDisk)) {
    throw new Error(`GET ${first.urls.full} does not serve ${fullPath} (status ${full.status}, etag ${etag})`);
  }

  // v2 does not show the number: read it where the service keeps it, then check that v1 finds
  // the image by it and answers the same bytes as base64.
  const db = new Database(service.dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
  const numberOf = db.prepare<[string], { number: number | null }>(`SELECT "number" FROM "images" WHERE "id" = ?`);
  const [number, secondNumber] = ids.slice(0, 2).map((id) => {
    const row = numberOf.get(id);
    if (typeof row?.number !== 'number') throw new Error(`Image ${id} has no number (${JSON.stringify(row)})`);
    return row.number;
  });
  db.close();
  const v1 = await fetch(`${service.baseUrl}${V1_IMAGES_PATH}/${number}`);
  const { base64_data: base64, ...v1Metadata } = (await v1.json()) as { base64_data?: string } & Record<string, unknown>;
  if (v1.status !== 200 || v1Metadata.id !== number || v1Metadata.storage_path_full !== `images/full/${first.id}.webp` || !Buffer.from(base64 ?? '', 'base64').equals(onDisk)) {
    throw new Error(`GET ${V1_IMAGES_PATH}/${number} does not answer ${fullPath} as base64 (status ${v1.status}): ${JSON.stringify(v1Metadata)}`);
  }
  return {
    id: first.id,
    number,
    secondNumber,
    v1Metadata,
    etag,
    fullPath,
    fullBytes: statSync(fullPath).size,
    thumbnailBytes: statSync(join(service.storageDir, 'thumbnails', `${first.id}.webp`)).size,
  };
}

interface SeededScene {
  description: string;
  /** The request body every scene request sends. */
  body: string;
  cacheKey: string;
  imageId: string;
  /** Size of a hit's JSON body (hitCount 1): every later hit's is at least this. */
  hitBodyBytes: number;
}

interface SceneJson {
  cached: boolean;
  cacheKey: string;
  hitCount: number;
  image: { id: string };
}

/** One scene request, answered as text with its X-Cache header (also used as a probe). */
async function postScene(baseUrl: string, body: string): Promise<Probe> {
  const response = await fetch(`${baseUrl}${SCENES_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, header: response.headers.get('x-cache'), body: await response.text() };
}

/** Draws the scene once (a MISS) and checks that asking again is a HIT on the same entry. */
async function seedScene(service: Service): Promise<SeededScene> {
  const body = JSON.stringify({ description: CONFIG.sceneDescription });
  const miss = await postScene(service.baseUrl, body);
  const hit = await postScene(service.baseUrl, body);
  for (const [what, probe, header] of [['first', miss, 'MISS'], ['second', hit, 'HIT']] as const) {
    if (probe.status !== 200 || probe.header !== header) {
      throw new Error(`The ${what} POST ${SCENES_PATH} answered ${probe.status} with X-Cache ${probe.header} (expected 200 ${header}): ${probe.body}`);
    }
  }
  const missJson = JSON.parse(miss.body) as SceneJson;
  const hitJson = JSON.parse(hit.body) as SceneJson;
  if (missJson.cached || !hitJson.cached || hitJson.cacheKey !== missJson.cacheKey || hitJson.image.id !== missJson.image.id || hitJson.hitCount !== 1) {
    throw new Error(`The scene cache did not answer the repeat from the entry it stored:\n  ${miss.body}\n  ${hit.body}`);
  }
  return { description: CONFIG.sceneDescription, body, cacheKey: hitJson.cacheKey, imageId: hitJson.image.id, hitBodyBytes: Buffer.byteLength(hit.body) };
}

// ---------------------------------------------------------------------------------------
// Scenarios

interface Scenario {
  name: string;
  server: 'service' | 'memory' | 'disk' | 'sqlite';
  path: string;
  /** GET unless given. */
  method?: 'POST';
  body?: string;
  headers?: Record<string, string>;
  expectStatus: number;
  minBytes: number;
  /**
   * A response header autocannon cannot check (it does not expose headers): a separate
   * request just before and just after the measured runs must carry it.
   */
  expectHeader?: { name: string; value: string };
  /**
   * A field of the JSON body the service adds one to per request (a scene's hitCount, an
   * image's use_count): read from a request just before and just after the measured runs, it
   * must have risen by every response seen (see counterAccounting).
   */
  counter?: 'hitCount' | 'use_count';
}

/** A single request made outside autocannon, to look at what the load cannot show. */
interface Probe {
  status: number;
  /** The scenario's `expectHeader` (X-Cache), or null when absent or not asked for. */
  header: string | null;
  body: string;
}

interface ScenarioResult {
  scenario: Scenario;
  warmup: Measurement;
  throughput: Measurement;
  fixedRate: Measurement;
  fixedRateBursty: Measurement;
  probes?: { before: Probe; after: Probe };
}

function scenarios(image: SeededImage, scene: SeededScene): Scenario[] {
  const base = `/api/v2/images/${image.id}`;
  const sceneRequest = {
    path: SCENES_PATH,
    method: 'POST',
    body: scene.body,
    headers: { 'content-type': 'application/json' },
    expectStatus: 200,
    minBytes: scene.hitBodyBytes,
    expectHeader: { name: 'x-cache', value: 'HIT' },
  } as const;
  const v1 = (number: number) => `${V1_IMAGES_PATH}/${number}`;
  return [
    { name: 'service GET /images/{id} (JSON)', server: 'service', path: base, expectStatus: 200, minBytes: 200 },
    // The old contract's read: the full WebP as base64 in the JSON; without the data (another
    // image's metadata, the same size: see secondNumber) it shows what the rest of v1 (the
    // per-request use count, the snake_case DTOs) costs over v2's JSON.
    { name: 'service v1 GET /api/v1/images/{number} (JSON + base64)', server: 'service', path: v1(image.number), expectStatus: 200, minBytes: base64Length(image.fullBytes), counter: 'use_count' },
    { name: 'service v1 GET …?include_data=false', server: 'service', path: `${v1(image.secondNumber)}?include_data=false`, expectStatus: 200, minBytes: 200, counter: 'use_count' },
    { name: 'service GET /thumbnail', server: 'service', path: `${base}/thumbnail`, expectStatus: 200, minBytes: image.thumbnailBytes },
    { name: 'service GET /full', server: 'service', path: `${base}/full`, expectStatus: 200, minBytes: image.fullBytes },
    {
      name: 'service GET /full If-None-Match (304)',
      server: 'service',
      path: `${base}/full`,
      headers: { 'if-none-match': image.etag },
      expectStatus: 304,
      minBytes: 0,
    },
    // Only the service counts hits; the baseline answers them without.
    { name: 'service scene cache hit (POST /scenes/generate)', server: 'service', ...sceneRequest, counter: 'hitCount' },
    { name: 'baseline node:http, bytes from memory', server: 'memory', path: '/', expectStatus: 200, minBytes: image.fullBytes },
    { name: 'baseline node:http, readFile per request', server: 'disk', path: '/', expectStatus: 200, minBytes: image.fullBytes },
    { name: 'baseline node:http + better-sqlite3, scene hit', server: 'sqlite', ...sceneRequest },
  ];
}

/** Characters of the base64 text of `bytes` bytes. */
const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

async function probe(scenario: Scenario, baseUrl: string): Promise<Probe> {
  const response = await fetch(`${baseUrl}${scenario.path}`, { method: scenario.method ?? 'GET', headers: scenario.headers, body: scenario.body });
  const header = scenario.expectHeader ? response.headers.get(scenario.expectHeader.name) : null;
  return { status: response.status, header, body: await response.text() };
}

/** Each scenario's runs, in the order they are taken. */
const PHASES = ['warmup', 'throughput', 'fixedRate', 'fixedRateBursty'] as const;

/**
 * Runs scenarios against one server phase by phase: every warm-up, then every throughput run,
 * then every steady and every bursty fixed-rate run. Twins compared side by side (v1's GET and
 * v2's) differ by a few hundred µs, which drift of a shared machine over the scenarios'
 * minute, or being the first to run after seeding, would otherwise put on one of them.
 */
async function runScenarios(scenarios: Scenario[], baseUrl: string, serverPid: number): Promise<ScenarioResult[]> {
  const targets = scenarios.map(
    (scenario): Target => ({
      url: `${baseUrl}${scenario.path}`,
      method: scenario.method,
      body: scenario.body,
      headers: scenario.headers,
      expectStatus: scenario.expectStatus,
      minBytes: scenario.minBytes,
      serverPid,
    }),
  );
  const probed = (scenario: Scenario) => Boolean(scenario.expectHeader || scenario.counter);
  const before: (Probe | undefined)[] = [];
  for (const scenario of scenarios) before.push(probed(scenario) ? await probe(scenario, baseUrl) : undefined);
  const runs = scenarios.map(() => ({}) as Record<(typeof PHASES)[number], Measurement>);
  for (const phase of PHASES) {
    for (const [index, scenario] of scenarios.entries()) {
      log(`${scenario.name}: ${phase}`);
      runs[index][phase] = await measure(targets[index], CONFIG[phase]);
    }
  }
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const [first, after] = [before[index], probed(scenario) ? await probe(scenario, baseUrl) : undefined];
    results.push({ scenario, ...runs[index], probes: first && after ? { before: first, after } : undefined });
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// Memory soak

interface Soak {
  requestsPlanned: number;
  measurement: Measurement;
  rssBefore: number;
  rssAfter: number;
  rssMax: number;
  /**
   * RSS saws up and down by ~100 MB between V8 collections, so one reading before and one
   * after say little. The lowest reading (just after a collection) in the first and in the
   * last third of the soak is what would drift if memory were retained per request.
   */
  floorFirstThird: number;
  floorLastThird: number;
  /** One RSS reading every CONFIG.soak.rssSampleMs during the soak. */
  rssSeries: number[];
}

async function soak(service: Service, image: SeededImage, requests: number): Promise<Soak> {
  const pid = service.child.pid;
  const target: Target = {
    url: `${service.baseUrl}/api/v2/images/${image.id}/thumbnail`,
    expectStatus: 200,
    minBytes: image.thumbnailBytes,
    serverPid: pid,
  };
  // The low-rate runs just before let V8 shrink its heap; regrow it to its working size
  // first, or the soak's first third reads low and the heap's regrowth looks like a leak.
  const warmup = await measure(target, { ...CONFIG.soak.warmup, connections: CONFIG.soak.connections });
  if (warmup.bad > 0) throw new Error(`Soak warm-up: ${warmup.bad} bad responses ${JSON.stringify(warmup.statusCounts)}`);

  const rssSeries: number[] = [];
  const rssBefore = rssBytes(pid);
  const sampler = setInterval(() => rssSeries.push(rssBytes(pid)), CONFIG.soak.rssSampleMs);
  try {
    const measurement = await measure(
      target,
      // `amount` ends the run after that many requests; the duration is only a safety net.
      { kind: 'throughput', connections: CONFIG.soak.connections, durationS: 10 * CONFIG.soak.maxSeconds, amount: requests },
    );
    const rssAfter = rssBytes(pid);
    const third = Math.max(1, Math.floor(rssSeries.length / 3));
    return {
      requestsPlanned: requests,
      measurement,
      rssBefore,
      rssAfter,
      rssMax: Math.max(rssBefore, rssAfter, ...rssSeries),
      floorFirstThird: Math.min(...rssSeries.slice(0, third)),
      floorLastThird: Math.min(...rssSeries.slice(-third)),
      rssSeries,
    };
  } finally {
    clearInterval(sampler);
  }
}

// ---------------------------------------------------------------------------------------
// Counted requests (scene hits, v1 uses)

interface CounterAccounting {
  counter: string;
  /** Responses autocannon saw over the scenario's four runs (warm-up included). */
  responses: number;
  countBefore: number;
  countAfter: number;
  /** Requests the service counted between the probes, the after-probe itself excluded. */
  counted: number;
  /** Requests that may have reached the server without their response being seen. */
  maxInFlight: number;
  ok: boolean;
}

/**
 * autocannon shows no bodies, so the probes read the counter the service bumps per request: a
 * scene entry's hitCount (a miss would have replaced the entry, hit count back to 0), an
 * image's use_count (v1's GET by number). Between the probes it must have risen by at least
 * the responses seen, and by at most that plus the requests in flight when each run was
 * stopped (one per connection).
 */
function counterAccounting(result: ScenarioResult): CounterAccounting | undefined {
  const { counter } = result.scenario;
  if (!result.probes || !counter) return undefined;
  const read = (p: Probe) => {
    const value = p.status === 200 ? (JSON.parse(p.body) as Record<string, unknown>)[counter] : undefined;
    return typeof value === 'number' ? value : NaN;
  };
  const runs = [result.warmup, result.throughput, result.fixedRate, result.fixedRateBursty];
  const responses = runs.reduce((sum, m) => sum + m.responses, 0);
  const maxInFlight = [CONFIG.warmup, CONFIG.throughput, CONFIG.fixedRate, CONFIG.fixedRateBursty].reduce((sum, load) => sum + load.connections, 0);
  const countBefore = read(result.probes.before);
  const countAfter = read(result.probes.after);
  const counted = countAfter - countBefore - 1;
  return { counter, responses, countBefore, countAfter, counted, maxInFlight, ok: counted >= responses && counted <= responses + maxInFlight };
}

// ---------------------------------------------------------------------------------------
// Report

function report(input: {
  coldStartsMs: number[];
  image: SeededImage;
  scene: SeededScene;
  results: ScenarioResult[];
  rss: { beforeThroughput: number; afterThroughput: number };
  soak: Soak | undefined;
  soakSkippedReason: string | undefined;
  /** base64 + JSON of the image's full file, in-process: what v1's GET may add. */
  encode: EncodeCost;
  /** The other sections (bench/sections.ts), by their key in latest.json. */
  more: Record<string, SectionReport>;
  totalSeconds: number;
}): { text: string; json: unknown; bad: string[] } {
  const { coldStartsMs, image, scene, results, rss } = input;
  const byServer = (server: Scenario['server'], path?: string, status = 200) =>
    results.find((r) => r.scenario.server === server && (path === undefined || r.scenario.path.endsWith(path)) && r.scenario.expectStatus === status);
  const full = byServer('service', '/full');
  const memory = byServer('memory');
  const disk = byServer('disk');
  const sceneHit = byServer('service', SCENES_PATH);
  const sqlite = byServer('sqlite');
  const [v2Json, v1, v1NoData] = [`/api/v2/images/${image.id}`, `${V1_IMAGES_PATH}/${image.number}`, `${V1_IMAGES_PATH}/${image.secondNumber}?include_data=false`].map((path) =>
    results.find((r) => r.scenario.path === path),
  );
  const notModified = byServer('service', '/full', 304);
  if (!full || !notModified || !memory || !disk || !sceneHit || !sqlite || !v2Json || !v1 || !v1NoData) throw new Error('A scenario is missing from the results');
  const counted = results.flatMap((result) => {
    const accounting = counterAccounting(result);
    return accounting ? [{ scenario: result.scenario, accounting }] : [];
  });
  const hits = counted.find((c) => c.scenario === sceneHit.scenario)?.accounting;
  const named = (result: ScenarioResult) => ({ name: result.scenario.name, ...result });
  const v1Read = v1ReadReport({ v2Json: named(v2Json), v2Full: named(full), v2NotModified: named(notModified), v1: named(v1), v1NoData: named(v1NoData) }, input.encode, {
    fullBytes: image.fullBytes,
    fixedRate: CONFIG.fixedRate.rate,
  });

  const sections: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  sections.push(
    `## Image service benchmark\n\n` +
      `Node ${process.version}, ${cpus().length} × ${cpu}. Load generator: autocannon in this process; each server in its own process.\n` +
      `Image under test: full ${fmt.kb(image.fullBytes)}, thumbnail ${fmt.kb(image.thumbnailBytes)} (local provider). ` +
      `Scene under test: POST ${SCENES_PATH} {"description": "${scene.description}"}, a cache hit answering ${fmt.kb(scene.hitBodyBytes)} of JSON.\n` +
      `Throughput: ${CONFIG.throughput.connections} connections, pipelining 1, ${CONFIG.throughput.durationS} s after a ${CONFIG.warmup.durationS} s warm-up. ` +
      `Fixed rate: autocannon overallRate ${CONFIG.fixedRate.rate} req/s for ${CONFIG.fixedRate.durationS} s, steady and bursty (below). ` +
      `Latencies are per response, in ms, from every sample.`,
  );

  sections.push(
    `### Cold start (spawn → first 200 from /health, fresh database each time)\n\n` +
      markdownTable(
        ['Starts', 'Median', 'Min', 'Max', 'Each'],
        [[String(coldStartsMs.length), fmt.ms(median(coldStartsMs)), fmt.ms(Math.min(...coldStartsMs)), fmt.ms(Math.max(...coldStartsMs)), coldStartsMs.map((ms) => Math.round(ms)).join(', ') + ' ms']],
        ['left', 'right', 'right', 'right', 'left'],
      ),
  );

  sections.push(
    `### Throughput (closed loop, ${CONFIG.throughput.connections} connections)\n\n` +
      `Other CPU: what every other process on the machine used meanwhile (100 % = one core); with one core for the server and one for the load generator, anything there slowed the run.\n\n` +
      markdownTable(
        ['Scenario', 'Status', 'req/s', 'p50', 'p90', 'p99', 'Server CPU', 'Loadgen CPU', 'Other CPU', 'Bad'],
        results.map(({ scenario, throughput: m, warmup }) => [
          scenario.name,
          String(scenario.expectStatus),
          fmt.int(m.reqPerS),
          fmt.ms(m.latencyMs.p50),
          fmt.ms(m.latencyMs.p90),
          fmt.ms(m.latencyMs.p99),
          fmt.pct(m.serverCpuPct),
          fmt.pct(m.loadgenCpuPct),
          fmt.pct(m.otherCpuPct),
          String(m.bad + warmup.bad),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
  );

  sections.push(
    `### Fixed rate (${CONFIG.fixedRate.rate} req/s)\n\n` +
      `Steady: ${CONFIG.fixedRate.connections} connection, requests never overlap. Bursty: ${CONFIG.fixedRateBursty.connections} connections; ` +
      `autocannon then sends each second's quota as ${CONFIG.fixedRateBursty.connections}-deep bursts, so this is an upper bound.\n\n` +
      markdownTable(
        ['Scenario', 'Achieved req/s', 'p50', 'p99', 'Max', 'Bursty p50', 'Bursty p99', 'Bursty max', 'Bad'],
        results.map(({ scenario, fixedRate: m, fixedRateBursty: b }) => [
          scenario.name,
          fmt.int(m.reqPerS),
          fmt.ms(m.latencyMs.p50),
          fmt.ms(m.latencyMs.p99),
          fmt.ms(m.latencyMs.max),
          fmt.ms(b.latencyMs.p50),
          fmt.ms(b.latencyMs.p99),
          fmt.ms(b.latencyMs.max),
          String(m.bad + b.bad),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
  );

  sections.push(...v1Read.markdown);

  const memoryRows: string[][] = [
    ['Before the throughput runs (after seeding)', fmt.mb(rss.beforeThroughput), ''],
    ['After the throughput runs', fmt.mb(rss.afterThroughput), fmt.signedMb(rss.afterThroughput - rss.beforeThroughput)],
  ];
  const soakResult = input.soak;
  if (soakResult) {
    const n = fmt.int(soakResult.measurement.responses);
    memoryRows.push(
      [`Before the soak (${n} × /thumbnail, after a ${CONFIG.soak.warmup.durationS} s warm-up)`, fmt.mb(soakResult.rssBefore), ''],
      [`After the soak`, fmt.mb(soakResult.rssAfter), fmt.signedMb(soakResult.rssAfter - soakResult.rssBefore)],
      [`Max during the soak`, fmt.mb(soakResult.rssMax), ''],
      [`Floor (lowest sample) in the soak's first third`, fmt.mb(soakResult.floorFirstThird), ''],
      [`Floor in the soak's last third`, fmt.mb(soakResult.floorLastThird), fmt.signedMb(soakResult.floorLastThird - soakResult.floorFirstThird)],
    );
  }
  sections.push(
    `### Service memory (VmRSS, sampled every ${CONFIG.soak.rssSampleMs} ms during the soak)\n\n` +
      markdownTable(['When', 'RSS', 'Change'], memoryRows, ['left', 'right', 'right']) +
      (soakResult
        ? `\n\nSoak: ${fmt.int(soakResult.measurement.responses)} requests in ${soakResult.measurement.wallS.toFixed(1)} s ` +
          `(${fmt.int(soakResult.measurement.reqPerS)} req/s, p99 ${fmt.ms(soakResult.measurement.latencyMs.p99)}, bad ${soakResult.measurement.bad}).`
        : `\n\nSoak skipped: ${input.soakSkippedReason}`),
  );

  // Targets
  const ratioMemory = full.throughput.reqPerS / memory.throughput.reqPerS;
  const ratioDisk = full.throughput.reqPerS / disk.throughput.reqPerS;
  const cpuRatioMemory = cpuMicrosPerRequest(memory.throughput) / cpuMicrosPerRequest(full.throughput);
  const targetRows: [string, string, string, boolean | undefined][] = [
    ['service /full throughput ÷ baseline from memory', fmt.ratio(ratioMemory), `≥ ${fmt.ratio(TARGETS.fullVsMemoryBaseline)}`, ratioMemory >= TARGETS.fullVsMemoryBaseline],
    [
      `same, by server CPU per request (${cpuMicrosPerRequest(memory.throughput).toFixed(1)} µs ÷ ${cpuMicrosPerRequest(full.throughput).toFixed(1)} µs)`,
      fmt.ratio(cpuRatioMemory),
      `≥ ${fmt.ratio(TARGETS.fullVsMemoryBaseline)}`,
      cpuRatioMemory >= TARGETS.fullVsMemoryBaseline,
    ],
    ['service /full throughput ÷ baseline readFile', fmt.ratio(ratioDisk), '(context)', undefined],
  ];
  const ratioScene = sceneHit.throughput.reqPerS / sqlite.throughput.reqPerS;
  const cpuRatioScene = cpuMicrosPerRequest(sqlite.throughput) / cpuMicrosPerRequest(sceneHit.throughput);
  targetRows.push(
    ['service scene hit throughput ÷ baseline node:http + better-sqlite3', fmt.ratio(ratioScene), `≥ ${fmt.ratio(TARGETS.sceneHitVsSqliteBaseline)}`, ratioScene >= TARGETS.sceneHitVsSqliteBaseline],
    [
      `same, by server CPU per request (${cpuMicrosPerRequest(sqlite.throughput).toFixed(1)} µs ÷ ${cpuMicrosPerRequest(sceneHit.throughput).toFixed(1)} µs)`,
      fmt.ratio(cpuRatioScene),
      `≥ ${fmt.ratio(TARGETS.sceneHitVsSqliteBaseline)}`,
      cpuRatioScene >= TARGETS.sceneHitVsSqliteBaseline,
    ],
  );
  for (const { scenario, fixedRate } of results.filter((r) => r.scenario.server === 'service')) {
    const p99 = fixedRate.latencyMs.p99;
    targetRows.push([`p99 at ${CONFIG.fixedRate.rate} req/s: ${scenario.name}`, fmt.ms(p99), `≤ ${fmt.ms(TARGETS.p99AtFixedRateMs)}`, p99 <= TARGETS.p99AtFixedRateMs]);
  }
  let soakGrowthPct: number | undefined;
  if (soakResult) {
    const growth = soakResult.floorLastThird - soakResult.floorFirstThird;
    soakGrowthPct = (growth / soakResult.floorFirstThird) * 100;
    targetRows.push([
      `RSS floor over ${fmt.int(soakResult.measurement.responses)} requests (last third vs first)`,
      `${fmt.signedMb(growth)} (${soakGrowthPct >= 0 ? '+' : ''}${soakGrowthPct.toFixed(1)} %)`,
      `flat (≤ +${TARGETS.soakRssGrowthPct} %)`,
      soakGrowthPct <= TARGETS.soakRssGrowthPct,
    ]);
  }
  const notes: string[] = [
    `The node:http + better-sqlite3 baseline reads the service's own database file (read-only) and per request parses the body, ` +
      `normalizes the description, hashes the key and runs one prepared, indexed SELECT (entry joined to its image). ` +
      `It does not count hits; the service counts them in memory and writes them in one transaction per second.`,
  ];
  for (const { scenario, accounting: a } of counted) {
    const rose = `${a.counter} rose by ${fmt.int(a.counted)} for ${fmt.int(a.responses)} responses seen (at most ${a.maxInFlight} more may have been in flight when a run stopped)${a.ok ? '' : ' — ❌ MISMATCH'}`;
    notes.push(
      a === hits
        ? `Every measured scene request was a hit: X-Cache was ${sceneHit.probes?.before.header} just before the runs and ${sceneHit.probes?.after.header} just after, and the entry's ${rose}.`
        : `Every measured request of \`${scenario.name}\` counted a use: the image's ${rose}.`,
    );
  }
  for (const [what, baseline] of [['from-memory', memory], ['node:http + better-sqlite3', sqlite]] as const) {
    if (baseline.throughput.loadgenCpuPct > 85) {
      notes.push(
        `The ${what} baseline kept the load generator at ${fmt.pct(baseline.throughput.loadgenCpuPct)} of its core ` +
          `(server at ${fmt.pct(baseline.throughput.serverCpuPct)}): that baseline is capped by the load generator, so the true ` +
          `ceiling is higher and the throughput ratio against it is an upper bound; the CPU-per-request row is not capped.`,
      );
    }
  }
  const targetsNote = notes.map((note) => `\n\n${note}`).join('');
  sections.push(`### Targets\n\n` + targetsTable(targetRows) + targetsNote);
  if (bodyBufferingPatchMissed) {
    sections.push(`⚠️ autocannon's body buffering could not be switched off (internals changed?): the load generator may be the bottleneck; check the Loadgen CPU column.`);
  }
  for (const section of Object.values(input.more)) sections.push(...section.markdown);
  sections.push(`Total runtime: ${input.totalSeconds.toFixed(1)} s (excluding the build).`);

  // Anything but the expected status (or a short body, an error, a timeout) invalidates a run.
  const bad: string[] = [];
  for (const { scenario, warmup, throughput, fixedRate, fixedRateBursty } of results) {
    bad.push(...badRuns(scenario.name, { 'warm-up': warmup, throughput, 'fixed rate': fixedRate, 'fixed rate, bursty': fixedRateBursty }));
  }
  for (const { scenario, probes } of results) {
    if (!probes || !scenario.expectHeader) continue;
    for (const [when, p] of [['before', probes.before], ['after', probes.after]] as const) {
      const key = p.status === 200 ? (JSON.parse(p.body) as SceneJson).cacheKey : undefined;
      if (p.status !== scenario.expectStatus || p.header !== scenario.expectHeader.value || key !== scene.cacheKey) {
        bad.push(`${scenario.name} (probe ${when} the runs): ${p.status}, ${scenario.expectHeader.name} ${p.header}, cacheKey ${key}: ${p.body.slice(0, 300)}`);
      }
    }
  }
  for (const { scenario, accounting: a } of counted.filter((c) => !c.accounting.ok)) {
    bad.push(`${scenario.name}: ${a.counter} rose by ${a.counted} for ${a.responses} responses (in flight at most ${a.maxInFlight}): not every request was counted`);
  }
  if (soakResult && soakResult.measurement.bad > 0) {
    bad.push(`soak: ${soakResult.measurement.bad} bad; statuses ${JSON.stringify(soakResult.measurement.statusCounts)}, errors ${soakResult.measurement.errors}`);
  }
  for (const section of Object.values(input.more)) bad.push(...section.bad);

  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpu,
    config: CONFIG,
    targets: TARGETS,
    image,
    scene: { ...scene, hitAccounting: hits ?? null },
    counterAccounting: Object.fromEntries(counted.map(({ scenario, accounting }) => [scenario.name, accounting])),
    v1Read: v1Read.json,
    coldStartMs: { runs: coldStartsMs, median: median(coldStartsMs), min: Math.min(...coldStartsMs), max: Math.max(...coldStartsMs) },
    scenarios: results.map(({ scenario, ...measurements }) => ({ ...scenario, ...measurements })),
    loadgenBodyBufferingSkipped: !bodyBufferingPatchMissed,
    ratios: {
      fullVsMemoryBaseline: ratioMemory,
      fullVsMemoryBaselineByCpu: cpuRatioMemory,
      fullVsDiskBaseline: ratioDisk,
      sceneHitVsSqliteBaseline: ratioScene,
      sceneHitVsSqliteBaselineByCpu: cpuRatioScene,
    },
    serverCpuMicrosPerRequest: Object.fromEntries(results.map(({ scenario, throughput }) => [scenario.name, cpuMicrosPerRequest(throughput)])),
    memory: { rssBeforeThroughput: rss.beforeThroughput, rssAfterThroughput: rss.afterThroughput, soak: soakResult ?? null, soakGrowthPct: soakGrowthPct ?? null, soakSkippedReason: input.soakSkippedReason ?? null },
    ...Object.fromEntries(Object.entries(input.more).map(([key, section]) => [key, section.json])),
    badResponses: bad,
    totalRuntimeSeconds: input.totalSeconds,
  };
  return { text: sections.join('\n\n'), json, bad };
}

// ---------------------------------------------------------------------------------------
// Main

async function main(tempDir: string): Promise<void> {
  const startedAt = performance.now();
  const elapsedS = () => (performance.now() - startedAt) / 1000;

  // 1. Cold starts; the last instance is kept as the service under test.
  const coldStartsMs: number[] = [];
  let service: Service | undefined;
  for (let i = 1; i <= CONFIG.coldStarts; i++) {
    if (service) await stopChild(service.child);
    service = await startService(join(tempDir, `service-${i}`));
    coldStartsMs.push(service.coldStartMs);
    log(`cold start ${i}/${CONFIG.coldStarts}: ${Math.round(service.coldStartMs)} ms`);
  }
  if (!service) throw new Error('The service never started');

  // 2. Seed.
  const image = await seed(service, CONFIG.seedImages);
  log(`seeded ${CONFIG.seedImages} images; reading ${image.id} (full ${image.fullBytes} B, thumbnail ${image.thumbnailBytes} B)`);
  const scene = await seedScene(service);
  log(`seeded a scene (MISS, then HIT): key ${scene.cacheKey}, image ${scene.imageId}, hit body ${scene.hitBodyBytes} B`);

  // 3. Service scenarios, with RSS around them.
  const all = scenarios(image, scene);
  const results: ScenarioResult[] = [];
  const rssBeforeThroughput = rssBytes(service.child.pid);
  results.push(...(await runScenarios(all.filter((s) => s.server === 'service'), service.baseUrl, service.child.pid)));
  const rssAfterThroughput = rssBytes(service.child.pid);

  // What v1's GET may cost over v2's: base64 + JSON of the same bytes, here while nothing runs.
  log('base64 + JSON of the full file, in-process');
  const encode = base64JsonCost(readFileSync(image.fullPath), image.v1Metadata);

  // 4. Soak, sized from the measured /thumbnail throughput to fit what is left of the budget
  // once the baselines and the other sections (measured last) are paid for.
  const perScenarioS = CONFIG.warmup.durationS + CONFIG.throughput.durationS + CONFIG.fixedRate.durationS + CONFIG.fixedRateBursty.durationS + 1;
  const baselinesS = all.filter((s) => s.server !== 'service').length * perScenarioS;
  const laterS = baselinesS + plannedSeconds(SECTION_NAMES);
  const thumbnailRate = results.find((r) => r.scenario.path.endsWith('/thumbnail'))?.throughput.reqPerS ?? 0;
  const secondsLeft = Math.min(CONFIG.soak.maxSeconds, CONFIG.budgetSeconds - elapsedS() - laterS - CONFIG.soak.warmup.durationS - 5);
  const soakRequests = Math.min(CONFIG.soak.requests, Math.floor(thumbnailRate * secondsLeft * 0.9));
  let soakResult: Soak | undefined;
  let soakSkippedReason: string | undefined;
  if (soakRequests >= 10_000) {
    log(`soak: ${soakRequests} requests to /thumbnail (~${Math.round(soakRequests / thumbnailRate)} s)`);
    soakResult = await soak(service, image, soakRequests);
  } else {
    soakSkippedReason = `only ${secondsLeft.toFixed(0)} s of budget left at ${Math.round(thumbnailRate)} req/s`;
    log(`soak skipped: ${soakSkippedReason}`);
  }
  await stopChild(service.child);

  // 5. Baselines, one process at a time so each has the second core to itself.
  // The scene baseline opens the stopped service's database file, hits and all.
  for (const scenario of all.filter((s) => s.server !== 'service')) {
    const baseline =
      scenario.server === 'sqlite'
        ? await startBaseline(SCENE_BASELINE_ENTRY, ['--db', service.dbPath, '--model', 'local'], tempDir)
        : await startBaseline(BASELINE_ENTRY, ['--mode', scenario.server, '--file', image.fullPath, '--etag', image.etag], tempDir);
    try {
      results.push(...(await runScenarios([scenario], baseline.baseUrl, baseline.child.pid)));
    } finally {
      await stopChild(baseline.child);
    }
  }

  // 6. The other sections, each with its own servers and data (bench/sections.ts).
  const more = await runSections(SECTION_NAMES, tempDir, log);

  // 7. Report.
  const { text, json, bad } = report({
    coldStartsMs,
    image,
    scene,
    results,
    rss: { beforeThroughput: rssBeforeThroughput, afterThroughput: rssAfterThroughput },
    soak: soakResult,
    soakSkippedReason,
    encode,
    more,
    totalSeconds: elapsedS(),
  });
  console.log(text);
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${RESULTS_FILE}`);

  if (bad.length > 0) {
    throw new Error(`Unexpected responses; the numbers above are not valid:\n  ${bad.join('\n  ')}`);
  }
}

runBenchMain(main);
