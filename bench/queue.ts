/**
 * The generation queue under load, against the fake Gemini server (the real SDK in the
 * built service):
 *   1. 500 jobs posted at once with `Prefer: respond-async`, GEMINI_MAX_CONCURRENT=20, the
 *      provider answering after 2 s: the time until the last one finished, against the ideal
 *      (500 / 20 × 2 s, plus bare sharp on the last 20 pictures at once, which nothing overlaps);
 *   2. the queue's own overhead: 200 jobs one after another, each with a free slot, from asked
 *      for (`created_at`) to started (`started_at`), read from the jobs' rows.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeGeminiServer } from '../test/support/fake-gemini-server.js';
import { GENERATE_PATH } from './lib/api.js';
import { stopChild } from './lib/children.js';
import { latencyStats } from './lib/measure.js';
import { fakeGeminiEnv, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';
import { fakePicture } from './concurrency.js';
import { startBarePipeline } from './generation.js';

export const QUEUE_CONFIG = {
  jobs: 500,
  maxConcurrent: 20,
  providerDelayMs: 2_000,
  overheadJobs: 200,
  targetRatio: 1.1,
  overheadTargetMs: 5,
  geminiModel: 'gemini-3.1-flash-image',
} as const;

export function queuePlannedSeconds(): number {
  return 90;
}

export interface QueueResults {
  wallMs: number;
  idealMs: number;
  lastBatchBareMs: number;
  succeeded: number;
  upstreamCalls: number;
  maxInFlight: number;
  /** Asked for → started with a free slot, ms (from the rows, millisecond timestamps). */
  overheadMs: { p50: number; p90: number; p99: number; max: number };
}

/** TypeORM keeps dates in SQLite as UTC text, `2026-12-02 18:30:15.123`. */
const sqliteTimeMs = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

const asyncPost = (baseUrl: string, prompt: string) =>
  fetch(`${baseUrl}${GENERATE_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'respond-async' }, body: JSON.stringify({ prompt }) });

export async function runQueueBench(tempDir: string, log: (message: string) => void): Promise<QueueResults> {
  const { jobs, maxConcurrent, providerDelayMs, overheadJobs, geminiModel } = QUEUE_CONFIG;
  const dir = join(tempDir, 'queue');
  const fake = await FakeGeminiServer.start();
  try {
    const service = await startService(dir, { ...fakeGeminiEnv(fake.baseUrl, geminiModel), GEMINI_MAX_CONCURRENT: String(maxConcurrent) });
    let results: Omit<QueueResults, 'idealMs' | 'lastBatchBareMs'>;
    try {
      const db = new Database(service.dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
      const count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM generation_jobs WHERE status = ?');
      try {
        fake.setDefault({ kind: 'image', delayMs: providerDelayMs });
        log(`queue: ${jobs} jobs at once, GEMINI_MAX_CONCURRENT=${maxConcurrent}, the provider answering after ${providerDelayMs} ms`);
        const startedAt = Date.now();
        const answers = await Promise.all(Array.from({ length: jobs }, (_, n) => asyncPost(service.baseUrl, `queued picture ${n + 1}: a caravan crossing the dunes`)));
        const refused = answers.filter((answer) => answer.status !== 202).length;
        if (refused > 0) throw new Error(`queue: ${refused} of ${jobs} posts were not accepted (202)`);
        while (count.get('succeeded')!.n + count.get('failed')!.n < jobs) await sleep(100);
        const { last } = db.prepare<[], { last: string }>('SELECT MAX(finished_at) AS last FROM generation_jobs').get()!;
        const wallMs = sqliteTimeMs(last) - startedAt;
        const succeeded = count.get('succeeded')!.n;
        const upstreamCalls = fake.requests.length;
        const maxInFlight = fake.maxInFlight;

        log(`queue: overhead, ${overheadJobs} jobs one at a time with a free slot`);
        fake.setDefault({ kind: 'image' });
        const done = db.prepare<[string], { status: string }>('SELECT status FROM generation_jobs WHERE id = ?');
        const ids: string[] = [];
        for (let n = 0; n < overheadJobs; n++) {
          const { id } = (await (await asyncPost(service.baseUrl, `a lone picture ${n + 1}: a lighthouse in fog`)).json()) as { id: string };
          ids.push(id);
          while (done.get(id)?.status !== 'succeeded') await sleep(1);
        }
        const spans = db
          .prepare<[], { created: string; started: string }>(`SELECT created_at AS created, started_at AS started FROM generation_jobs WHERE id IN (${ids.map((id) => `'${id}'`).join(',')})`)
          .all()
          .map(({ created, started }) => sqliteTimeMs(started) - sqliteTimeMs(created));
        const stats = latencyStats(Float64Array.from(spans));
        results = { wallMs, succeeded, upstreamCalls, maxInFlight, overheadMs: { p50: stats.p50, p90: stats.p90, p99: stats.p99, max: stats.max } };
      } finally {
        db.close();
      }
    } finally {
      await stopChild(service.child);
    }

    const png = await fakePicture(fake);
    const pngPath = join(dir, 'fake-gemini-1x1.png');
    writeFileSync(pngPath, png);
    log(`queue: the bare pipeline on the last batch (${maxConcurrent} PNGs at once)`);
    const bare = await startBarePipeline(service.dbPath, join(dir, 'bare'));
    try {
      const times = await bare.run({ input: pngPath, aspectRatio: '1:1', count: maxConcurrent, concurrency: maxConcurrent });
      return { ...results, lastBatchBareMs: times.wallMs, idealMs: Math.ceil(jobs / maxConcurrent) * providerDelayMs + times.wallMs };
    } finally {
      await bare.stop();
    }
  } finally {
    await fake.close();
  }
}

export function queueReport(results: QueueResults): SectionReport {
  const { jobs, maxConcurrent, providerDelayMs, overheadJobs, targetRatio, overheadTargetMs } = QUEUE_CONFIG;
  const table = markdownTable(
    ['Measure', 'Value'],
    [
      [`Wall time, ${jobs} jobs posted at once until the last finished`, fmt.s(results.wallMs)],
      [`Ideal: ${jobs} / ${maxConcurrent} × ${fmt.s(providerDelayMs)} + bare sharp on the last ${maxConcurrent}`, `${fmt.s(results.idealMs)} (… + ${fmt.s(results.lastBatchBareMs)})`],
      ['Service ÷ ideal', fmt.ratio(results.wallMs / results.idealMs)],
      ['Succeeded', `${results.succeeded} of ${jobs}`],
      ['Upstream calls; most at Gemini at once', `${results.upstreamCalls}; ${results.maxInFlight}`],
      [`Queue overhead, asked for → started with a free slot (${overheadJobs} jobs), p50 / p90 / p99 / max`, `${fmt.ms(results.overheadMs.p50)} / ${fmt.ms(results.overheadMs.p90)} / ${fmt.ms(results.overheadMs.p99)} / ${fmt.ms(results.overheadMs.max)}`],
    ],
    ['left', 'right'],
  );
  const targetRows = [
    [`${jobs} queued generations: wall time ÷ ideal`, fmt.ratio(results.wallMs / results.idealMs), `≤ ${targetRatio}×`, results.wallMs <= results.idealMs * targetRatio],
    ['Queue overhead p99 (free slot)', fmt.ms(results.overheadMs.p99), `≤ ${fmt.ms(overheadTargetMs)}`, results.overheadMs.p99 <= overheadTargetMs],
  ] as const;
  const bad: string[] = [];
  if (results.succeeded !== jobs) bad.push(`queue: ${results.succeeded} of ${jobs} jobs succeeded`);
  if (results.maxInFlight > maxConcurrent) bad.push(`queue: ${results.maxInFlight} calls at Gemini at once, over GEMINI_MAX_CONCURRENT=${maxConcurrent}`);
  const intro = `The built service (SQLite, in-process queue) with the fake Gemini server answering its 1024×1024 PNG; rate limiting off. Timestamps from the jobs' rows (millisecond resolution).`;
  return {
    markdown: [`### ${jobs} queued generations, ${maxConcurrent} at a time\n\n${intro}\n\n${table}\n\n${targetsTable(targetRows)}`],
    json: { config: QUEUE_CONFIG, ...results },
    bad,
  };
}
