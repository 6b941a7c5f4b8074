/**
 * What reference pictures add to a generation: POST /api/v2/images/generate with 4 `references`
 * against the same request without, against the target: ≤ 1.2× the plain request on the
 * service side.
 *
 *   1. The fake Gemini server (test/support/fake-gemini-server.ts, in this process) answers
 *      every generateContent at once with its 1024×1024 PNG, the same for both kinds, so what
 *      the provider does stays the same; the built service calls it through the real SDK, with
 *      a model that takes 14 pictures.
 *   2. Four references are imported through the API (the LocalStorage import's structured
 *      form) from detailed 1024×1024 PNGs (bench/lib/picture.ts): the service stores them as
 *      WebPs the size of painted art's. (Drawn by the fake, they would be gradients: a tenth of
 *      the bytes to read, encode and send.)
 *   3. After a warm-up, plain and 4-reference generations alternate one at a time, in ABBA
 *      order, so drift of the machine falls on both kinds alike.
 *
 * Service side, per request: the client's time from sending to having read the answer, minus
 * the time the fake held the call (from the request's last byte in to its answer's last byte
 * out: parsing the JSON, checking and decoding the pictures, encoding its answer, all of which
 * a real provider does on its own time). What is left is the service's: the request and its
 * validation, looking the references up, their files, base64 and the JSON body in the SDK,
 * sending it, reading and decoding the answer, WebP + thumbnail, both files, the row, the
 * response. Every call the fake saw is checked: one per generation, carrying exactly the
 * stored WebPs asked for, in order (or none).
 */
import { join } from 'node:path';
import { type FakeExchange, FakeGeminiServer } from '../test/support/fake-gemini-server.js';
import { GENERATE_PATH, type ImageJson, postGenerate, postJson } from './lib/api.js';
import { cpuTimeMs, stopChild } from './lib/children.js';
import { cpuShares, type LatencyStats, latencyStats, OTHER_CPU_WARNING_PCT } from './lib/measure.js';
import { detailedPng } from './lib/picture.js';
import { fakeGeminiEnv, type Service, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';

export const REFERENCES_CONFIG = {
  targetRatio: 1.2,
  references: 4,
  referenceSide: 1024,
  /** Takes 14 pictures per request (gemini-2.5-flash-image, which bench/concurrency.ts asks, takes 3). */
  geminiModel: 'gemini-3.1-flash-image',
  /** Pairs before anything is recorded: JIT, the SDK's first calls, sharp's start-up. */
  warmupPairs: 3,
  /** Recorded pairs: as many generations of each kind (100: p99 is the second slowest, not the slowest). */
  pairs: 100,
  /** One generation with an instant provider, end to end, as measured on 2 cores (for the time budget). */
  generationS: 0.13,
} as const;

/** Roughly how long the section takes (for the run's time budget). */
export function referencesPlannedSeconds(): number {
  const { warmupPairs, pairs, generationS } = REFERENCES_CONFIG;
  // Drawing and importing the references, the service's start.
  return 8 + 2 * (warmupPairs + pairs) * generationS;
}

const IMPORT_PATH = '/api/v2/migrate/from-localstorage';
const KINDS = ['plain', 'withReferences'] as const;
type Kind = (typeof KINDS)[number];
const KIND_NAMES: Record<Kind, string> = { plain: 'plain', withReferences: `${REFERENCES_CONFIG.references} references` };

interface StoredReference {
  id: string;
  /** The stored full WebP: what the model must be shown. */
  full: Buffer;
}

/** What the fake Gemini server did with one call: the body it got, how long it held it. */
type UpstreamCall = FakeExchange;

interface Sample {
  /** Sending the request to having read the answer, at the client. */
  endToEndMs: number;
  providerMs: number;
  /** End to end minus the provider's hold: the service's. */
  serviceMs: number;
  /** The service process's CPU time over the request, every thread (ticks of 10 ms). */
  cpuMs: number;
  requestBytes: number;
}

interface KindResult {
  generations: number;
  serviceMs: LatencyStats;
  endToEndMs: LatencyStats;
  providerMs: LatencyStats;
  cpuMsPerGeneration: number;
  /** The body the service sent the provider (the same for every request of a kind, give or take the prompt's digits). */
  upstreamRequestBytes: number;
}

export interface ReferencesResults {
  referenceFullBytes: number[];
  plain: KindResult;
  withReferences: KindResult;
  /** 4 references ÷ plain, service side, and by the service's CPU. */
  ratio: { p50: number; p99: number; cpu: number };
  /** 4 references − plain, service side, in ms. */
  addedMs: { p50: number; p99: number; mean: number };
  /** What every other process on the machine used over the recorded pairs (100 = one core). */
  otherCpuPct: number;
  /** Anything unexpected: a status, a call missing or repeated, a picture not the one asked for. */
  problems: string[];
}

/** Every call the fake answers, with how long it held it (its own parsing and decoding). */
function watchUpstream(fake: FakeGeminiServer): UpstreamCall[] {
  const calls: UpstreamCall[] = [];
  fake.onExchange((exchange) => calls.push(exchange));
  return calls;
}

/** Imports the pictures through the API and reads back what the service stored. */
async function importReferences(baseUrl: string, pngs: Buffer[]): Promise<StoredReference[]> {
  const images = pngs.map((png, index) => ({ dataUrl: `data:image/png;base64,${png.toString('base64')}`, prompt: `benchmark reference ${index + 1}: a party member` }));
  const response = await postJson(baseUrl, IMPORT_PATH, { images });
  const report = (await response.json()) as { imported?: { images?: number } };
  if (response.status !== 200 || report.imported?.images !== pngs.length) {
    throw new Error(`POST ${IMPORT_PATH} answered ${response.status}, not ${pngs.length} images imported: ${JSON.stringify(report)}`);
  }
  const search = await fetch(`${baseUrl}/api/v2/images/search?source=import&pageSize=${pngs.length}`);
  const { items } = (await search.json()) as { items: ImageJson[] };
  if (search.status !== 200 || items.length !== pngs.length) throw new Error(`The search for the imported references answered ${search.status} with ${items.length} images`);
  return Promise.all(
    items.map(async (image) => {
      const full = await fetch(`${baseUrl}${image.urls.full}`);
      const bytes = Buffer.from(await full.arrayBuffer());
      if (full.status !== 200 || bytes.length !== image.sizeBytes) throw new Error(`GET ${image.urls.full} answered ${full.status} with ${bytes.length} B (sizeBytes ${image.sizeBytes})`);
      return { id: image.id, full: bytes };
    }),
  );
}

/** One generation, timed, with the call the fake saw checked against the pictures asked for. */
async function timedGeneration(service: Service, fake: FakeGeminiServer, upstream: UpstreamCall[], references: StoredReference[], n: number, problems: string[]): Promise<Sample> {
  const what = `generation ${n} (${references.length} references)`;
  const body = { prompt: `reference benchmark ${n}: the party's ranger and wizard at a forest shrine`, ...(references.length > 0 ? { references: references.map((reference) => reference.id) } : {}) };
  // Only this call's: the fake keeps every request it saw, decoded pictures and all.
  fake.reset();
  upstream.length = 0;
  const cpuBefore = cpuTimeMs(service.child.pid);
  const started = performance.now();
  const response = await postGenerate(service.baseUrl, body);
  const text = await response.text();
  const endToEndMs = performance.now() - started;
  const cpuMs = cpuTimeMs(service.child.pid) - cpuBefore;

  if (response.status !== 201) problems.push(`${what}: ${response.status} ${text.slice(0, 300)}`);
  const [call] = upstream;
  const inputs = fake.requests[0]?.inputs ?? [];
  if (upstream.length !== 1 || fake.requests.length !== 1) {
    problems.push(`${what}: the fake Gemini server saw ${fake.requests.length} calls (${upstream.length} answered)`);
  } else if (inputs.length !== references.length || inputs.some((input, index) => input.mimeType !== 'image/webp' || !input.data.equals(references[index].full))) {
    problems.push(`${what}: the fake was shown ${inputs.length} pictures (${inputs.map((input) => `${input.mimeType} ${input.data.length} B`).join(', ')}), not the stored WebPs asked for`);
  }
  const providerMs = call?.heldMs ?? NaN;
  return { endToEndMs, providerMs, serviceMs: endToEndMs - providerMs, cpuMs, requestBytes: call?.requestBytes ?? NaN };
}

function kindResult(samples: Sample[]): KindResult {
  const stats = (pick: (sample: Sample) => number) => latencyStats(Float64Array.from(samples, pick));
  return {
    generations: samples.length,
    serviceMs: stats((sample) => sample.serviceMs),
    endToEndMs: stats((sample) => sample.endToEndMs),
    providerMs: stats((sample) => sample.providerMs),
    cpuMsPerGeneration: samples.reduce((sum, sample) => sum + sample.cpuMs, 0) / samples.length,
    upstreamRequestBytes: Math.max(...samples.map((sample) => sample.requestBytes)),
  };
}

export async function runReferencesBench(tempDir: string, log: (message: string) => void): Promise<ReferencesResults> {
  const { references: count, referenceSide, geminiModel, warmupPairs, pairs } = REFERENCES_CONFIG;
  log(`references: drawing ${count} detailed ${referenceSide}×${referenceSide} PNGs`);
  const pngs = await Promise.all(Array.from({ length: count }, (_, index) => detailedPng(referenceSide, referenceSide, index + 1)));
  const fake = await FakeGeminiServer.start();
  try {
    const upstream = watchUpstream(fake);
    const service = await startService(join(tempDir, 'references'), fakeGeminiEnv(fake.baseUrl, geminiModel));
    try {
      const references = await importReferences(service.baseUrl, pngs);
      log(`references: imported ${count} (full WebPs ${references.map((reference) => fmt.kb(reference.full.length)).join(', ')})`);
      const shown: Record<Kind, StoredReference[]> = { plain: [], withReferences: references };
      const samples: Record<Kind, Sample[]> = { plain: [], withReferences: [] };
      const problems: string[] = [];
      let n = 0;
      const generatePair = async (pair: number, record: boolean) => {
        // ABBA: each kind goes first as often, so what follows a generation (a collection, the
        // use-count flush) falls on both alike.
        const order = pair % 2 === 0 ? KINDS : ([...KINDS].reverse() as Kind[]);
        for (const kind of order) {
          const sample = await timedGeneration(service, fake, upstream, shown[kind], ++n, problems);
          if (record) samples[kind].push(sample);
        }
      };
      log(`references: ${warmupPairs} warm-up pairs, then ${pairs} pairs (plain and with ${count} references, alternating)`);
      for (let pair = 0; pair < warmupPairs; pair++) await generatePair(pair, false);
      const cpu = cpuShares(service.child.pid);
      for (let pair = 0; pair < pairs; pair++) await generatePair(pair, true);
      const { otherCpuPct } = cpu();
      const [plain, withReferences] = KINDS.map((kind) => kindResult(samples[kind]));
      return {
        referenceFullBytes: references.map((reference) => reference.full.length),
        otherCpuPct,
        plain,
        withReferences,
        ratio: {
          p50: withReferences.serviceMs.p50 / plain.serviceMs.p50,
          p99: withReferences.serviceMs.p99 / plain.serviceMs.p99,
          cpu: withReferences.cpuMsPerGeneration / plain.cpuMsPerGeneration,
        },
        addedMs: {
          p50: withReferences.serviceMs.p50 - plain.serviceMs.p50,
          p99: withReferences.serviceMs.p99 - plain.serviceMs.p99,
          mean: withReferences.serviceMs.mean - plain.serviceMs.mean,
        },
        problems,
      };
    } finally {
      await stopChild(service.child);
    }
  } finally {
    await fake.close();
  }
}

/** The table's columns: a figure of each kind, shown for both and as what the references add. */
const COLUMNS: readonly { header: string; of: (kind: KindResult) => number; format: (value: number) => string }[] = [
  { header: 'Service p50', of: (kind) => kind.serviceMs.p50, format: fmt.ms },
  { header: 'Service p90', of: (kind) => kind.serviceMs.p90, format: fmt.ms },
  { header: 'Service p99', of: (kind) => kind.serviceMs.p99, format: fmt.ms },
  { header: 'Service CPU/request', of: (kind) => kind.cpuMsPerGeneration, format: fmt.ms },
  { header: 'Fake Gemini held (p50)', of: (kind) => kind.providerMs.p50, format: fmt.ms },
  { header: 'End to end p50', of: (kind) => kind.endToEndMs.p50, format: fmt.ms },
  { header: 'Body sent to Gemini', of: (kind) => kind.upstreamRequestBytes, format: fmt.kb },
];

/** `format` of the magnitude, after its sign. */
const withSign = (format: (value: number) => string) => (value: number) => `${value >= 0 ? '+' : '−'}${format(Math.abs(value))}`;

export function referencesReport(results: ReferencesResults): SectionReport {
  const { targetRatio, references: count, referenceSide, pairs, warmupPairs, geminiModel } = REFERENCES_CONFIG;
  const { plain, withReferences } = results;
  const table = markdownTable(
    ['Request', ...COLUMNS.map((column) => column.header)],
    [
      ...KINDS.map((kind) => [KIND_NAMES[kind], ...COLUMNS.map((column) => column.format(column.of(results[kind])))]),
      [`added by ${count} references`, ...COLUMNS.map((column) => withSign(column.format)(column.of(withReferences) - column.of(plain)))],
    ],
    ['left', ...COLUMNS.map(() => 'right' as const)],
  );
  const intro =
    `POST ${GENERATE_PATH}, one at a time: ${pairs} plain and ${pairs} with \`references\` (${count} stored ${referenceSide}×${referenceSide} WebPs, ` +
    `${results.referenceFullBytes.map(fmt.kb).join(', ')}, imported from detailed PNGs), alternating ABBA after ${warmupPairs} warm-up pairs. ` +
    `The fake Gemini server answers every call at once with the same PNG; the built service calls it through the real SDK (${geminiModel}). ` +
    `Service side: end to end at the client minus the time the fake held the call (last request byte in to last answer byte out: it parses the JSON and decodes and checks the pictures, ` +
    `which a real provider does on its own time). It includes the request, looking the references up, reading their files (from the service's file cache after first use, as a reused character's are), ` +
    `base64 and the JSON body in the SDK, sending it over loopback, reading and decoding the answer, WebP + thumbnail, both files, the row and the response. ` +
    `CPU is the service process's (libvips threads included), a mean over the requests. The fake's answer is a gradient, cheaper to encode than painted art, so the plain request is ` +
    `if anything cheaper than in production and the ratio stricter. ` +
    (results.problems.length === 0
      ? `Every call the fake saw carried exactly the stored WebPs asked for, in order.`
      : `❌ ${results.problems.length} generations did not go as asked (listed at the end): these numbers are not valid.`) +
    // One generation at a time leaves a core idle; another process taking the busy one lands
    // on whichever request is running, most in the tails.
    (results.otherCpuPct > OTHER_CPU_WARNING_PCT
      ? `\n\n⚠️ Other processes used ${fmt.pct(results.otherCpuPct)} of a core during the recorded pairs: the tails (p90, p99) are not reliable; run again on an idle machine.`
      : ` Other processes used ${fmt.pct(results.otherCpuPct)} of a core meanwhile.`);
  const signedMs = withSign(fmt.ms);
  const targetRows = [
    [`${count} references ÷ plain, service side (p50)`, `${fmt.ratio(results.ratio.p50)} (${signedMs(results.addedMs.p50)})`, `≤ ${fmt.ratio(targetRatio)}`, results.ratio.p50 <= targetRatio],
    [`same at p99`, `${fmt.ratio(results.ratio.p99)} (${signedMs(results.addedMs.p99)})`, '(context)', undefined],
    [`same by the service's CPU per request`, fmt.ratio(results.ratio.cpu), '(context)', undefined],
  ] as const;
  return {
    markdown: [`### Reference pictures: a generation with ${count} references against a plain one\n\n${intro}\n\n${table}\n\n${targetsTable(targetRows)}`],
    json: { config: REFERENCES_CONFIG, ...results },
    bad: results.problems.map((problem) => `references: ${problem}`),
  };
}
