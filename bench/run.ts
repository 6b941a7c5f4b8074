/**
 * Benchmark of the image service against bare baselines: the read path, search over 100k
 * images, the generation pipeline's overhead, and 50 concurrent generations.
 *
 *   npm run bench            (builds, then runs dist/bench/run.js)
 *
 * What it does, in order (about five minutes on 2 cores):
 *   1. Cold start: spawn the BUILT service (`node dist/src/main.js`) three times, each with a
 *      fresh temp database and storage dir, and time spawn → first 200 from /health.
 *      The third instance stays up as the service under test.
 *   2. Seed 20 images through the API (the local provider: no network), and one scene in the
 *      scene cache (a POST that misses, then one that must hit).
 *   3. Per scenario, loads from this process (the load generator, one core) against a server
 *      in its own process (the other core), after a 1 s warm-up:
 *        - throughput: closed loop, 10 connections, as fast as possible;
 *        - fixed rate: autocannon overallRate 200 req/s, steady (1 connection) and bursty (10).
 *      Scenarios: the service's JSON, /thumbnail, /full, /full with If-None-Match (304), a
 *      scene cache hit (POST /scenes/generate with the seeded description), two node:http
 *      baselines answering the same /full bytes from memory and from disk, and a node:http +
 *      better-sqlite3 baseline answering the same scene hit from the service's database file.
 *   4. Memory: the service's RSS around the throughput runs, and over a ~100k-request soak
 *      of /thumbnail (sized to the time budget). Then the service stops and the baselines
 *      run, one at a time.
 *   5. The other sections, each in its own module with its own service instance and data:
 *        - bench/search.ts: GET /images/search over 100,000 seeded rows vs node:http +
 *          better-sqlite3 running the same SQL (p99 ≤ 10 ms);
 *        - bench/generation.ts: the service's pipeline (ImagesService.store in-process) vs
 *          bare sharp + fs + better-sqlite3, per image (≤ 1.2×);
 *        - bench/concurrency.ts: 50 concurrent POST /images/generate against the fake Gemini
 *          server answering after 2 s (≤ 4 s), vs 2 s + bare sharp on the same PNGs.
 *   6. Prints markdown tables (stdout; progress goes to stderr) and writes
 *      bench/results/latest.json.
 *
 * Targets are printed beside the measurements; missing one does not fail the run (this is a
 * measurement, not a test). Unexpected responses DO fail it: they would make the numbers lie.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { killAllChildrenNow, rssBytes, stopChild } from './lib/children.js';
import { badRuns, bodyBufferingPatchMissed, cpuMicrosPerRequest, type Load, type Measurement, measure, measureEach, median, type Target } from './lib/measure.js';
import { BENCH_DIST_DIR, type Service, startBaseline, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';
import { concurrencyPlannedSeconds, concurrencyReport, runConcurrencyBench } from './concurrency.js';
import { generationPlannedSeconds, generationReport, runGenerationBench } from './generation.js';
import { runSearchBench, searchPlannedSeconds, searchReport } from './search.js';

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
   * Whole run (after the build) should stay under ~5 minutes. Everything else has a fixed
   * length; the soak gets what is left (100k requests take a few seconds on an idle machine).
   */
  budgetSeconds: 300,
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
const RESULTS_FILE = resolve(BENCH_DIST_DIR, '../../bench/results/latest.json');

const log = (message: string) => console.error(`[bench] ${message}`);

// ---------------------------------------------------------------------------------------
// Seeding

interface SeededImage {
  id: string;
  etag: string;
  fullPath: string;
  fullBytes: number;
  thumbnailBytes: number;
}

interface ImageJson {
  id: string;
  sizeBytes: number;
  thumbnailSizeBytes: number;
  urls: { full: string; thumbnail: string };
}

/** Generates `count` images; the first is the one every scenario reads. */
async function seed(service: Service, count: number): Promise<SeededImage> {
  let first: ImageJson | undefined;
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${service.baseUrl}/api/v2/images/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: `benchmark image ${i + 1}: a dragon over a ruined keep` }),
    });
    if (response.status !== 201) throw new Error(`POST /images/generate answered ${response.status}: ${await response.text()}`);
    const image = (await response.json()) as ImageJson;
    first ??= image;
  }
  if (!first) throw new Error('Nothing was seeded');

  // Check the files are where the baselines will read them, and learn the ETag.
  const fullPath = join(service.storageDir, 'full', `${first.id}.webp`);
  const onDisk = readFileSync(fullPath);
  const full = await fetch(`${service.baseUrl}${first.urls.full}`);
  const served = Buffer.from(await full.arrayBuffer());
  const etag = full.headers.get('etag');
  if (full.status !== 200 || !etag || !served.equals(onDisk)) {
    throw new Error(`GET ${first.urls.full} does not serve ${fullPath} (status ${full.status}, etag ${etag})`);
  }
  return {
    id: first.id,
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
}

/** A single request made outside autocannon, to look at what the load cannot show. */
interface Probe {
  status: number;
  /** The scenario's `expectHeader` (X-Cache), or null when absent. */
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
  return [
    { name: 'service GET /images/{id} (JSON)', server: 'service', path: base, expectStatus: 200, minBytes: 200 },
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
    { name: 'service scene cache hit (POST /scenes/generate)', server: 'service', ...sceneRequest },
    { name: 'baseline node:http, bytes from memory', server: 'memory', path: '/', expectStatus: 200, minBytes: image.fullBytes },
    { name: 'baseline node:http, readFile per request', server: 'disk', path: '/', expectStatus: 200, minBytes: image.fullBytes },
    { name: 'baseline node:http + better-sqlite3, scene hit', server: 'sqlite', ...sceneRequest },
  ];
}

async function probe(scenario: Scenario, baseUrl: string): Promise<Probe> {
  const response = await fetch(`${baseUrl}${scenario.path}`, { method: scenario.method ?? 'GET', headers: scenario.headers, body: scenario.body });
  const header = scenario.expectHeader ? response.headers.get(scenario.expectHeader.name) : null;
  return { status: response.status, header, body: await response.text() };
}

async function runScenario(scenario: Scenario, baseUrl: string, serverPid: number): Promise<ScenarioResult> {
  const target: Target = {
    url: `${baseUrl}${scenario.path}`,
    method: scenario.method,
    body: scenario.body,
    headers: scenario.headers,
    expectStatus: scenario.expectStatus,
    minBytes: scenario.minBytes,
    serverPid,
  };
  log(`${scenario.name}: warm-up, throughput, ${CONFIG.fixedRate.rate} req/s steady and bursty`);
  const before = scenario.expectHeader ? await probe(scenario, baseUrl) : undefined;
  const runs = await measureEach(target, {
    warmup: CONFIG.warmup,
    throughput: CONFIG.throughput,
    fixedRate: CONFIG.fixedRate,
    fixedRateBursty: CONFIG.fixedRateBursty,
  });
  const after = before ? await probe(scenario, baseUrl) : undefined;
  return { scenario, ...runs, probes: before && after ? { before, after } : undefined };
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
// Scene hits

interface HitAccounting {
  /** Responses autocannon saw over the scenario's four runs (warm-up included). */
  responses: number;
  hitCountBefore: number;
  hitCountAfter: number;
  /** Hits the service counted between the probes, the after-probe itself excluded. */
  counted: number;
  /** Requests that may have reached the server without their response being seen. */
  maxInFlight: number;
  ok: boolean;
}

/**
 * autocannon shows no headers, so beyond the probes' X-Cache: the service counts every hit in
 * the entry's hit_count, and a miss would have replaced the entry (hit_count back to 0). Between
 * the probes it must have risen by at least the responses seen, and by at most that plus the
 * requests in flight when each run was stopped (one per connection).
 */
function sceneHitAccounting(result: ScenarioResult): HitAccounting | undefined {
  if (!result.probes) return undefined;
  const hitCount = (p: Probe) => (p.status === 200 ? (JSON.parse(p.body) as SceneJson).hitCount : NaN);
  const runs = [result.warmup, result.throughput, result.fixedRate, result.fixedRateBursty];
  const responses = runs.reduce((sum, m) => sum + m.responses, 0);
  const maxInFlight = [CONFIG.warmup, CONFIG.throughput, CONFIG.fixedRate, CONFIG.fixedRateBursty].reduce((sum, load) => sum + load.connections, 0);
  const hitCountBefore = hitCount(result.probes.before);
  const hitCountAfter = hitCount(result.probes.after);
  const counted = hitCountAfter - hitCountBefore - 1;
  return { responses, hitCountBefore, hitCountAfter, counted, maxInFlight, ok: counted >= responses && counted <= responses + maxInFlight };
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
  /** The other sections (search, generation, concurrency), by their key in latest.json. */
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
  if (!full || !memory || !disk || !sceneHit || !sqlite) throw new Error('A scenario is missing from the results');
  const hits = sceneHitAccounting(sceneHit);

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
      markdownTable(
        ['Scenario', 'Status', 'req/s', 'p50', 'p90', 'p99', 'Server CPU', 'Loadgen CPU', 'Bad'],
        results.map(({ scenario, throughput: m, warmup }) => [
          scenario.name,
          String(scenario.expectStatus),
          fmt.int(m.reqPerS),
          fmt.ms(m.latencyMs.p50),
          fmt.ms(m.latencyMs.p90),
          fmt.ms(m.latencyMs.p99),
          fmt.pct(m.serverCpuPct),
          fmt.pct(m.loadgenCpuPct),
          String(m.bad + warmup.bad),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
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
  if (hits) {
    notes.push(
      `Every measured scene request was a hit: X-Cache was ${sceneHit.probes?.before.header} just before the runs and ${sceneHit.probes?.after.header} just after, ` +
        `and the entry's hit_count rose by ${fmt.int(hits.counted)} for ${fmt.int(hits.responses)} responses seen ` +
        `(at most ${hits.maxInFlight} more may have been in flight when a run stopped)${hits.ok ? '' : ' — ❌ MISMATCH'}.`,
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
  if (hits && !hits.ok) {
    bad.push(`${sceneHit.scenario.name}: hit_count rose by ${hits.counted} for ${hits.responses} responses (in flight at most ${hits.maxInFlight}): not every request was a hit`);
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
  for (const scenario of all.filter((s) => s.server === 'service')) {
    results.push(await runScenario(scenario, service.baseUrl, service.child.pid));
  }
  const rssAfterThroughput = rssBytes(service.child.pid);

  // 4. Soak, sized from the measured /thumbnail throughput to fit what is left of the budget
  // once the baselines and the other sections (measured last) are paid for.
  const perScenarioS = CONFIG.warmup.durationS + CONFIG.throughput.durationS + CONFIG.fixedRate.durationS + CONFIG.fixedRateBursty.durationS + 1;
  const baselinesS = all.filter((s) => s.server !== 'service').length * perScenarioS;
  const laterS = baselinesS + searchPlannedSeconds() + generationPlannedSeconds() + concurrencyPlannedSeconds();
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
      results.push(await runScenario(scenario, baseline.baseUrl, baseline.child.pid));
    } finally {
      await stopChild(baseline.child);
    }
  }

  // 6. The other sections, each with its own servers and data (bench/search.ts, …).
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = elapsedS();
    const result = await work();
    log(`${name}: done in ${(elapsedS() - started).toFixed(1)} s`);
    return result;
  };
  const more = {
    search: searchReport(await timed('search', () => runSearchBench(tempDir, log))),
    generation: generationReport(await timed('generation', () => runGenerationBench(tempDir, log))),
    concurrency: concurrencyReport(await timed('concurrency', () => runConcurrencyBench(tempDir, log))),
  };

  // 7. Report.
  const { text, json, bad } = report({
    coldStartsMs,
    image,
    scene,
    results,
    rss: { beforeThroughput: rssBeforeThroughput, afterThroughput: rssAfterThroughput },
    soak: soakResult,
    soakSkippedReason,
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

// Cleanup must happen however the run ends: normal exit, an error, or Ctrl-C.
const tempDir = mkdtempSync(join(tmpdir(), 'image-service-bench-'));
const cleanUp = () => {
  killAllChildrenNow();
  rmSync(tempDir, { recursive: true, force: true });
};
process.once('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping children and removing ${tempDir}`);
    process.exit(130); // runs the 'exit' handler
  });
}

// Exit explicitly either way: a child still running (after an error) would otherwise keep
// this process alive through its pipes; the 'exit' handler then kills it.
main(tempDir).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
