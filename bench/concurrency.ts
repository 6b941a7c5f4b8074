/**
 * 50 concurrent generations with a 2 s provider, against the target: all done within 4 s.
 *
 *   1. The fake Gemini server (test/support/fake-gemini-server.ts, the same one the e2e tests
 *      drive the real @google/genai SDK with) runs in this process and answers every
 *      generateContent after 2 s with its PNG (1024×1024 for 1:1).
 *   2. The built service starts with GEMINI_API_KEY and GEMINI_BASE_URL pointing at it, and
 *      RATE_LIMIT_ENABLED=false. A few generations answered at once warm it up (and show what
 *      one generation costs end to end with an instant provider: HTTP, the SDK, base64, the
 *      pipeline).
 *   3. 50 POST /api/v2/images/generate at once (distinct prompts); the wall time runs from the
 *      first request sent to the last response read. Every answer must be 201, and the fake
 *      must have seen exactly 50 calls (no retries, nothing lost).
 *   4. The ideal on this machine: 2 s + bare sharp processing the same 50 PNGs at once (the
 *      bare pipeline of bench/generation.ts on the service's database, after the service stops).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGeminiServer } from '../test/support/fake-gemini-server.js';
import { GENERATE_PATH, postGenerate } from './lib/api.js';
import { cpuTimeMs, stopChild } from './lib/children.js';
import { median } from './lib/measure.js';
import { fakeGeminiEnv, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';
import { startBarePipeline } from './generation.js';

export const CONCURRENCY_CONFIG = {
  requests: 50,
  providerDelayMs: 2_000,
  targetSeconds: 4,
  /** Generations answered at once before the burst (JIT, the SDK's first call, sharp's start-up). */
  warmupGenerations: 3,
  geminiModel: 'gemini-2.5-flash-image',
} as const;

/** Roughly how long the section takes (for the run's time budget). */
export function concurrencyPlannedSeconds(): number {
  return 15;
}

export interface ConcurrencyResults {
  requests: number;
  statusCounts: Record<string, number>;
  /** Calls the fake Gemini server received during the burst. */
  upstreamCalls: number;
  wallMs: number;
  /** Per request, from the start of the burst. */
  latencyMs: { min: number; median: number; max: number };
  /** When the fake saw the first and the last call, from the start of the burst. */
  upstreamArrivalMs: { first: number; last: number };
  /** One generation alone, end to end, with the provider answering at once (median of the warm-up's). */
  singleGenerationMs: number;
  fakePngBytes: number;
  /** Bare sharp + fs + better-sqlite3 processing the same 50 PNGs at once. */
  bare: { wallMs: number; cpuMs: number };
  idealMs: number;
  serviceCpuMs: number;
  /** This process over the burst: the fake Gemini server's answers and the 50 clients. */
  benchCpuMs: number;
}

/** The PNG the fake answers for 1:1, asked for directly, so the bare pipeline gets the same bytes. */
export async function fakePicture(fake: FakeGeminiServer): Promise<Buffer> {
  fake.enqueue({ kind: 'image' });
  const response = await fetch(`${fake.baseUrl}/v1beta/models/${CONCURRENCY_CONFIG.geminiModel}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The fake checks the parts as Gemini does: one user turn, the prompt first.
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'a dragon over a ruined keep' }] }], generationConfig: { imageConfig: { aspectRatio: '1:1' } } }),
  });
  const body = (await response.json()) as { candidates: { content: { parts: { inlineData?: { data: string } }[] } }[] };
  const data = body.candidates[0].content.parts.find((part) => part.inlineData)?.inlineData?.data;
  if (!data) throw new Error('The fake Gemini server answered without a picture');
  return Buffer.from(data, 'base64');
}

export async function runConcurrencyBench(tempDir: string, log: (message: string) => void): Promise<ConcurrencyResults> {
  const { requests, providerDelayMs, warmupGenerations, geminiModel } = CONCURRENCY_CONFIG;
  const dir = join(tempDir, 'concurrency');
  const fake = await FakeGeminiServer.start();
  try {
    // All fifty at once is the scenario: the queue's slots (GEMINI_MAX_CONCURRENT, 10 by default) must not be what is measured.
    const service = await startService(dir, { ...fakeGeminiEnv(fake.baseUrl, geminiModel), GEMINI_MAX_CONCURRENT: String(CONCURRENCY_CONFIG.requests) });
    let burst: Omit<ConcurrencyResults, 'bare' | 'idealMs' | 'fakePngBytes'>;
    try {
      // Warm-up: answered at once.
      const singles: number[] = [];
      for (let i = 0; i < warmupGenerations; i++) {
        fake.enqueue({ kind: 'image' });
        const started = performance.now();
        const response = await postGenerate(service.baseUrl, { prompt: `warm-up generation ${i + 1}: a goblin market at night` });
        await response.text();
        if (response.status !== 201) throw new Error(`Warm-up POST ${GENERATE_PATH} answered ${response.status}`);
        singles.push(performance.now() - started);
      }

      fake.setDefault({ kind: 'image', delayMs: providerDelayMs });
      const callsBefore = fake.requests.length;
      const cpuBefore = cpuTimeMs(service.child.pid);
      const benchCpuBefore = process.cpuUsage();
      log(`concurrency: ${requests} generations at once, the provider answering after ${providerDelayMs} ms`);
      const started = performance.now();
      const startedAt = Date.now();
      const answers = await Promise.all(
        Array.from({ length: requests }, async (_, i) => {
          const response = await postGenerate(service.baseUrl, { prompt: `concurrent generation ${i + 1}: a dragon over a ruined keep` });
          await response.arrayBuffer();
          return { status: response.status, ms: performance.now() - started };
        }),
      );
      const wallMs = performance.now() - started;
      const serviceCpuMs = cpuTimeMs(service.child.pid) - cpuBefore;
      const benchCpu = process.cpuUsage(benchCpuBefore);
      const calls = fake.requests.slice(callsBefore);
      const statusCounts: Record<string, number> = {};
      for (const { status } of answers) statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      const times = answers.map((answer) => answer.ms);
      const arrivals = calls.map((call) => call.receivedAt.getTime() - startedAt);
      burst = {
        requests,
        statusCounts,
        upstreamCalls: calls.length,
        wallMs,
        latencyMs: { min: Math.min(...times), median: median(times), max: Math.max(...times) },
        upstreamArrivalMs: { first: Math.min(...arrivals), last: Math.max(...arrivals) },
        singleGenerationMs: median(singles),
        serviceCpuMs,
        benchCpuMs: (benchCpu.user + benchCpu.system) / 1000,
      };
    } finally {
      await stopChild(service.child);
    }

    const png = await fakePicture(fake);
    const pngPath = join(dir, 'fake-gemini-1x1.png');
    writeFileSync(pngPath, png);
    log(`concurrency: the bare pipeline on the same ${requests} PNGs at once`);
    const bare = await startBarePipeline(service.dbPath, join(dir, 'bare'));
    try {
      const times = await bare.run({ input: pngPath, aspectRatio: '1:1', count: requests, concurrency: requests });
      return {
        ...burst,
        fakePngBytes: png.length,
        bare: { wallMs: times.wallMs, cpuMs: times.cpuMs },
        idealMs: providerDelayMs + times.wallMs,
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await fake.close();
  }
}

export function concurrencyReport(results: ConcurrencyResults): SectionReport {
  const { requests, providerDelayMs, targetSeconds } = CONCURRENCY_CONFIG;
  const allCreated = results.statusCounts['201'] === requests;
  const table = markdownTable(
    ['Measure', 'Value'],
    [
      [`Wall time, ${requests} concurrent POST ${GENERATE_PATH}`, fmt.s(results.wallMs)],
      ['Ideal: provider delay + bare sharp on the same PNGs at once', `${fmt.s(results.idealMs)} (${fmt.s(providerDelayMs)} + ${fmt.s(results.bare.wallMs)})`],
      ['Service ÷ ideal', fmt.ratio(results.wallMs / results.idealMs)],
      ['Responses', Object.entries(results.statusCounts).map(([status, n]) => `${n} × ${status}`).join(', ')],
      ['Upstream (fake Gemini) calls', `${results.upstreamCalls} (arrived ${fmt.ms(results.upstreamArrivalMs.first)} to ${fmt.ms(results.upstreamArrivalMs.last)} after the start)`],
      ['Response times (first / median / last)', `${fmt.s(results.latencyMs.min)} / ${fmt.s(results.latencyMs.median)} / ${fmt.s(results.latencyMs.max)}`],
      ['Service CPU over the burst', `${fmt.s(results.serviceCpuMs)} (${fmt.ms(results.serviceCpuMs / requests)} per generation)`],
      ['Benchmark process CPU over the burst (fake Gemini + clients)', fmt.s(results.benchCpuMs)],
      ['Bare CPU for the same pictures', `${fmt.s(results.bare.cpuMs)} (${fmt.ms(results.bare.cpuMs / requests)} per picture)`],
      ['One generation alone, provider answering at once (end to end)', fmt.ms(results.singleGenerationMs)],
    ],
    ['left', 'right'],
  );
  const intro =
    `The fake Gemini server (in the benchmark's process) answers every call after ${fmt.s(providerDelayMs)} with its ${fmt.kb(results.fakePngBytes)} 1024×1024 PNG ` +
    `(a gradient: cheaper to encode than painted art, see the generation overhead above); the built service calls it through the real SDK. Rate limiting off.`;
  const targetRows = [
    [`${requests} concurrent generations, ${fmt.s(providerDelayMs)} provider: wall time`, fmt.s(results.wallMs), `≤ ${fmt.s(targetSeconds * 1000)}`, results.wallMs <= targetSeconds * 1000],
    ['same, against the ideal on this machine', fmt.s(results.idealMs), '(context)', undefined],
  ] as const;
  const bad: string[] = [];
  if (!allCreated) bad.push(`concurrency: expected ${requests} × 201, got ${JSON.stringify(results.statusCounts)}`);
  if (results.upstreamCalls !== requests) bad.push(`concurrency: the fake Gemini server saw ${results.upstreamCalls} calls for ${requests} generations`);
  return {
    markdown: [`### ${requests} concurrent generations (provider answering after ${fmt.s(providerDelayMs)})\n\n${intro}\n\n${table}\n\n${targetsTable(targetRows)}`],
    json: { config: CONCURRENCY_CONFIG, ...results },
    bad,
  };
}
