/**
 * Benchmark of the image service's read path against bare node:http baselines.
 *
 *   npm run bench            (builds, then runs dist/bench/run.js)
 *
 * What it does, in order (a little over two minutes on 2 cores):
 *   1. Cold start: spawn the BUILT service (`node dist/src/main.js`) three times, each with a
 *      fresh temp database and storage dir, and time spawn → first 200 from /health.
 *      The third instance stays up as the service under test.
 *   2. Seed 20 images through the API (the local provider: no network).
 *   3. Per scenario, loads from this process (the load generator, one core) against a server
 *      in its own process (the other core), after a 1 s warm-up:
 *        - throughput: closed loop, 10 connections, as fast as possible;
 *        - fixed rate: autocannon overallRate 200 req/s, steady (1 connection) and bursty (10).
 *      Scenarios: the service's JSON, /thumbnail, /full, /full with If-None-Match (304), and
 *      two node:http baselines answering the same /full bytes from memory and from disk.
 *   4. Memory: the service's RSS around the throughput runs, and over a ~100k-request soak
 *      of /thumbnail. Then the service stops and the baselines run, one at a time.
 *   5. Prints markdown tables (stdout; progress goes to stderr) and writes
 *      bench/results/latest.json.
 *
 * Targets are printed beside the measurements; missing one does not fail the run (this is a
 * measurement, not a test). Unexpected responses DO fail it: they would make the numbers lie.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, firstMessage, freePort, killAllChildrenNow, rssBytes, spawnNode, stopChild, waitForOk } from './lib/children.js';
import { bodyBufferingPatchMissed, type Load, type Measurement, measure, median, type Target } from './lib/measure.js';
import { fmt, markdownTable } from './lib/table.js';

const CONFIG = {
  host: '127.0.0.1',
  coldStarts: 3,
  healthTimeoutMs: 60_000,
  seedImages: 20,
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
  /** Whole run (after the build) should stay under ~3 minutes. */
  budgetSeconds: 170,
} as const;

const TARGETS = {
  fullVsMemoryBaseline: 0.6,
  p99AtFixedRateMs: 5,
  /** "Flat": the post-GC RSS floor late in the soak at most this much above the early one. */
  soakRssGrowthPct: 10,
} as const;

const benchDir = dirname(fileURLToPath(import.meta.url)); // dist/bench
const SERVICE_ENTRY = resolve(benchDir, '../src/main.js');
const BASELINE_ENTRY = resolve(benchDir, 'baseline-server.js');
const RESULTS_FILE = resolve(benchDir, '../../bench/results/latest.json');

const log = (message: string) => console.error(`[bench] ${message}`);

// ---------------------------------------------------------------------------------------
// Processes under test

interface Service {
  child: Child;
  baseUrl: string;
  storageDir: string;
  coldStartMs: number;
}

/** Only what node needs, plus the service's settings: no stray .env or shell config leaks in. */
function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, LANG, TZ } = process.env;
  return { PATH, HOME, LANG, TZ, NODE_ENV: 'production' };
}

/** Starts the built service in `dir` (its cwd, database and storage) and times it to healthy. */
async function startService(dir: string): Promise<Service> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort(CONFIG.host);
  const storageDir = join(dir, 'images');
  const env = {
    ...baseEnv(),
    PORT: String(port),
    HOST: CONFIG.host,
    DATABASE_URL: `sqlite:///${join(dir, 'bench.db')}`, // absolute path → four slashes
    IMAGE_STORAGE_DIR: storageDir,
    IMAGE_PROVIDER: 'local',
    LOG_LEVEL: 'warn',
    // Seeding posts 20 generations in a few seconds; the benchmark measures serving, not
    // the rate limiter's refusals.
    MAX_REQUESTS_PER_MINUTE: '1000000',
  };
  const baseUrl = `http://${CONFIG.host}:${port}`;
  const started = performance.now();
  const child = spawnNode({ args: [SERVICE_ENTRY], cwd: dir, env });
  await waitForOk(`${baseUrl}/health`, child, CONFIG.healthTimeoutMs);
  return { child, baseUrl, storageDir, coldStartMs: performance.now() - started };
}

async function startBaseline(mode: 'memory' | 'disk', file: string, etag: string, cwd: string): Promise<{ child: Child; baseUrl: string }> {
  const child = spawnNode({
    args: [BASELINE_ENTRY, '--mode', mode, '--file', file, '--etag', etag, '--host', CONFIG.host],
    cwd,
    env: baseEnv(),
    ipc: true,
  });
  const { port } = await firstMessage<{ port: number }>(child, 10_000);
  return { child, baseUrl: `http://${CONFIG.host}:${port}` };
}

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
    const response = await fetch(`${service.baseUrl}/api/v1/images/generate`, {
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

// ---------------------------------------------------------------------------------------
// Scenarios

interface Scenario {
  name: string;
  server: 'service' | 'memory' | 'disk';
  path: string;
  headers?: Record<string, string>;
  expectStatus: number;
  minBytes: number;
}

interface ScenarioResult {
  scenario: Scenario;
  warmup: Measurement;
  throughput: Measurement;
  fixedRate: Measurement;
  fixedRateBursty: Measurement;
}

function scenarios(image: SeededImage): Scenario[] {
  const base = `/api/v1/images/${image.id}`;
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
    { name: 'baseline node:http, bytes from memory', server: 'memory', path: '/', expectStatus: 200, minBytes: image.fullBytes },
    { name: 'baseline node:http, readFile per request', server: 'disk', path: '/', expectStatus: 200, minBytes: image.fullBytes },
  ];
}

async function runScenario(scenario: Scenario, baseUrl: string, serverPid: number): Promise<ScenarioResult> {
  const target: Target = {
    url: `${baseUrl}${scenario.path}`,
    headers: scenario.headers,
    expectStatus: scenario.expectStatus,
    minBytes: scenario.minBytes,
    serverPid,
  };
  log(`${scenario.name}: warm-up, throughput, ${CONFIG.fixedRate.rate} req/s steady and bursty`);
  const warmup = await measure(target, CONFIG.warmup);
  const throughput = await measure(target, CONFIG.throughput);
  const fixedRate = await measure(target, CONFIG.fixedRate);
  const fixedRateBursty = await measure(target, CONFIG.fixedRateBursty);
  return { scenario, warmup, throughput, fixedRate, fixedRateBursty };
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
    url: `${service.baseUrl}/api/v1/images/${image.id}/thumbnail`,
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
// Report

function report(input: {
  coldStartsMs: number[];
  image: SeededImage;
  results: ScenarioResult[];
  rss: { beforeThroughput: number; afterThroughput: number };
  soak: Soak | undefined;
  soakSkippedReason: string | undefined;
  totalSeconds: number;
}): { text: string; json: unknown; bad: string[] } {
  const { coldStartsMs, image, results, rss } = input;
  const byServer = (server: Scenario['server'], path?: string, status = 200) =>
    results.find((r) => r.scenario.server === server && (path === undefined || r.scenario.path.endsWith(path)) && r.scenario.expectStatus === status);
  const full = byServer('service', '/full');
  const memory = byServer('memory');
  const disk = byServer('disk');
  if (!full || !memory || !disk) throw new Error('A scenario is missing from the results');

  const sections: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  sections.push(
    `## Image service benchmark\n\n` +
      `Node ${process.version}, ${cpus().length} × ${cpu}. Load generator: autocannon in this process; each server in its own process.\n` +
      `Image under test: full ${fmt.kb(image.fullBytes)}, thumbnail ${fmt.kb(image.thumbnailBytes)} (local provider).\n` +
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
  // Server CPU per request does not depend on the load generator keeping up: when both
  // servers saturate it, req/s compares the load generator, while this still compares servers.
  const cpuMicrosPerRequest = (m: Measurement) => (m.serverCpuPct / 100 / m.reqPerS) * 1e6;
  const cpuRatioMemory = cpuMicrosPerRequest(memory.throughput) / cpuMicrosPerRequest(full.throughput);
  const targetRows: string[][] = [
    ['service /full throughput ÷ baseline from memory', fmt.ratio(ratioMemory), `≥ ${fmt.ratio(TARGETS.fullVsMemoryBaseline)}`, fmt.yesNo(ratioMemory >= TARGETS.fullVsMemoryBaseline)],
    [
      `same, by server CPU per request (${cpuMicrosPerRequest(memory.throughput).toFixed(1)} µs ÷ ${cpuMicrosPerRequest(full.throughput).toFixed(1)} µs)`,
      fmt.ratio(cpuRatioMemory),
      `≥ ${fmt.ratio(TARGETS.fullVsMemoryBaseline)}`,
      fmt.yesNo(cpuRatioMemory >= TARGETS.fullVsMemoryBaseline),
    ],
    ['service /full throughput ÷ baseline readFile', fmt.ratio(ratioDisk), '(context)', '—'],
  ];
  for (const { scenario, fixedRate } of results.filter((r) => r.scenario.server === 'service')) {
    const p99 = fixedRate.latencyMs.p99;
    targetRows.push([`p99 at ${CONFIG.fixedRate.rate} req/s: ${scenario.name}`, fmt.ms(p99), `≤ ${fmt.ms(TARGETS.p99AtFixedRateMs)}`, fmt.yesNo(p99 <= TARGETS.p99AtFixedRateMs)]);
  }
  let soakGrowthPct: number | undefined;
  if (soakResult) {
    const growth = soakResult.floorLastThird - soakResult.floorFirstThird;
    soakGrowthPct = (growth / soakResult.floorFirstThird) * 100;
    targetRows.push([
      `RSS floor over ${fmt.int(soakResult.measurement.responses)} requests (last third vs first)`,
      `${fmt.signedMb(growth)} (${soakGrowthPct >= 0 ? '+' : ''}${soakGrowthPct.toFixed(1)} %)`,
      `flat (≤ +${TARGETS.soakRssGrowthPct} %)`,
      fmt.yesNo(soakGrowthPct <= TARGETS.soakRssGrowthPct),
    ]);
  }
  let targetsNote = '';
  if (memory.throughput.loadgenCpuPct > 85) {
    targetsNote =
      `\n\nThe from-memory baseline kept the load generator at ${fmt.pct(memory.throughput.loadgenCpuPct)} of its core ` +
      `(server at ${fmt.pct(memory.throughput.serverCpuPct)}): that baseline is capped by the load generator, so the true ` +
      `ceiling is higher and the /full ratio against it is an upper bound.`;
  }
  sections.push(`### Targets\n\n` + markdownTable(['Check', 'Measured', 'Target', 'Met'], targetRows, ['left', 'right', 'right', 'left']) + targetsNote);
  if (bodyBufferingPatchMissed) {
    sections.push(`⚠️ autocannon's body buffering could not be switched off (internals changed?): the load generator may be the bottleneck; check the Loadgen CPU column.`);
  }
  sections.push(`Total runtime: ${input.totalSeconds.toFixed(1)} s (excluding the build).`);

  // Anything but the expected status (or a short body, an error, a timeout) invalidates a run.
  const bad: string[] = [];
  for (const { scenario, warmup, throughput, fixedRate, fixedRateBursty } of results) {
    const phases = [['warm-up', warmup], ['throughput', throughput], ['fixed rate', fixedRate], ['fixed rate, bursty', fixedRateBursty]] as const;
    for (const [phase, m] of phases) {
      if (m.bad > 0) bad.push(`${scenario.name} (${phase}): ${m.bad} bad; statuses ${JSON.stringify(m.statusCounts)}, errors ${m.errors}, timeouts ${m.timeouts}`);
    }
  }
  if (soakResult && soakResult.measurement.bad > 0) {
    bad.push(`soak: ${soakResult.measurement.bad} bad; statuses ${JSON.stringify(soakResult.measurement.statusCounts)}, errors ${soakResult.measurement.errors}`);
  }

  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpu,
    config: CONFIG,
    targets: TARGETS,
    image,
    coldStartMs: { runs: coldStartsMs, median: median(coldStartsMs), min: Math.min(...coldStartsMs), max: Math.max(...coldStartsMs) },
    scenarios: results.map(({ scenario, ...measurements }) => ({ ...scenario, ...measurements })),
    loadgenBodyBufferingSkipped: !bodyBufferingPatchMissed,
    ratios: { fullVsMemoryBaseline: ratioMemory, fullVsMemoryBaselineByCpu: cpuRatioMemory, fullVsDiskBaseline: ratioDisk },
    memory: { rssBeforeThroughput: rss.beforeThroughput, rssAfterThroughput: rss.afterThroughput, soak: soakResult ?? null, soakGrowthPct: soakGrowthPct ?? null, soakSkippedReason: input.soakSkippedReason ?? null },
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

  // 3. Service scenarios, with RSS around them.
  const all = scenarios(image);
  const results: ScenarioResult[] = [];
  const rssBeforeThroughput = rssBytes(service.child.pid);
  for (const scenario of all.filter((s) => s.server === 'service')) {
    results.push(await runScenario(scenario, service.baseUrl, service.child.pid));
  }
  const rssAfterThroughput = rssBytes(service.child.pid);

  // 4. Soak, sized from the measured /thumbnail throughput to fit what is left of the budget
  // once the baselines (measured last, from a fresh process each) are paid for.
  const perScenarioS = CONFIG.warmup.durationS + CONFIG.throughput.durationS + CONFIG.fixedRate.durationS + CONFIG.fixedRateBursty.durationS + 1;
  const baselinesS = all.filter((s) => s.server !== 'service').length * perScenarioS;
  const thumbnailRate = results.find((r) => r.scenario.path.endsWith('/thumbnail'))?.throughput.reqPerS ?? 0;
  const secondsLeft = Math.min(CONFIG.soak.maxSeconds, CONFIG.budgetSeconds - elapsedS() - baselinesS - CONFIG.soak.warmup.durationS - 5);
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
  for (const scenario of all.filter((s) => s.server !== 'service')) {
    const mode = scenario.server === 'memory' ? 'memory' : 'disk';
    const baseline = await startBaseline(mode, image.fullPath, image.etag, tempDir);
    try {
      results.push(await runScenario(scenario, baseline.baseUrl, baseline.child.pid));
    } finally {
      await stopChild(baseline.child);
    }
  }

  // 6. Report.
  const { text, json, bad } = report({
    coldStartsMs,
    image,
    results,
    rss: { beforeThroughput: rssBeforeThroughput, afterThroughput: rssAfterThroughput },
    soak: soakResult,
    soakSkippedReason,
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
