/**
 * Generation overhead: what the service spends on a picture once the provider has answered
 * (decode, full WebP, thumbnail, both files, the row), against the target ≤ 1.2× bare sharp
 * doing the same steps.
 *
 * Both pipelines run in processes of their own (bench/lib/pipeline-worker.ts), one image at a
 * time, on the same PNGs: Gemini's sizes (1024×1024, and 1344×768 for 16:9) with detail at
 * every scale (bench/lib/picture.ts), so the encoder works as hard as on painted art.
 *   - service: bench/pipeline-service-worker.ts, the compiled AppModule booted from the
 *     environment as main.js boots it, calling ImagesService.store(), which is what
 *     generate() runs after the provider returns. In-process rather than through HTTP, so
 *     nothing but the pipeline is timed: no provider, no request parsing, no base64.
 *   - bare: bench/pipeline-bare-worker.ts, sharp + fs + better-sqlite3 into the same table.
 * Rounds alternate which goes first, so drift on a shared machine hits both alike.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median } from './lib/measure.js';
import { detailedPng } from './lib/picture.js';
import { type PipelineTimes, PipelineWorker } from './lib/pipeline-worker.js';
import { BENCH_DIST_DIR, serviceEnv } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';

export const GENERATION_CONFIG = {
  targetRatio: 1.2,
  /** The service's defaults (WEBP_QUALITY, THUMBNAIL_SIZE), pinned for both pipelines. */
  webpQuality: 85,
  thumbnailSide: 200,
  inputs: [
    { name: '1024×1024 PNG (1:1)', aspectRatio: '1:1', width: 1024, height: 1024 },
    { name: '1344×768 PNG (16:9)', aspectRatio: '16:9', width: 1344, height: 768 },
  ],
  warmupImages: 2,
  rounds: 4,
  imagesPerRound: 5,
} as const;

/** Roughly how long the section takes (for the run's time budget). */
export function generationPlannedSeconds(): number {
  const { inputs, warmupImages, rounds, imagesPerRound } = GENERATION_CONFIG;
  return 8 + inputs.length * 2 * (warmupImages + rounds * imagesPerRound) * 0.15;
}

/** The bare pipeline's worker for `dbPath` (a migrated service database), writing into `dir`. */
export function startBarePipeline(dbPath: string, dir: string): Promise<PipelineWorker> {
  const { webpQuality, thumbnailSide } = GENERATION_CONFIG;
  mkdirSync(dir, { recursive: true });
  return PipelineWorker.start(
    resolve(BENCH_DIST_DIR, 'pipeline-bare-worker.js'),
    ['--db', dbPath, '--dir', dir, '--quality', String(webpQuality), '--thumbnail', String(thumbnailSide)],
    { cwd: dir },
  );
}

interface PipelineStats {
  images: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  cpuMsPerImage: number;
}

interface InputResult {
  name: string;
  pngBytes: number;
  service: PipelineStats;
  bare: PipelineStats;
  /** Service ÷ bare, median wall time per image. */
  ratio: number;
  cpuRatio: number;
}

export interface GenerationResults {
  inputs: InputResult[];
  serviceBootMs: number;
}

function stats(runs: PipelineTimes[]): PipelineStats {
  const all = runs.flatMap((run) => run.perImageMs).sort((a, b) => a - b);
  const cpuMs = runs.reduce((sum, run) => sum + run.cpuMs, 0);
  return {
    images: all.length,
    medianMs: median(all),
    p90Ms: all[Math.min(all.length - 1, Math.ceil(all.length * 0.9) - 1)],
    meanMs: all.reduce((sum, ms) => sum + ms, 0) / all.length,
    cpuMsPerImage: cpuMs / all.length,
  };
}

export async function runGenerationBench(tempDir: string, log: (message: string) => void): Promise<GenerationResults> {
  const { inputs, warmupImages, rounds, imagesPerRound, webpQuality, thumbnailSide } = GENERATION_CONFIG;
  const dir = join(tempDir, 'generation');
  const serviceDir = join(dir, 'service');
  mkdirSync(serviceDir, { recursive: true });

  log(`generation: drawing ${inputs.map((input) => input.name).join(', ')}`);
  const files = await Promise.all(
    inputs.map(async (input) => {
      const png = await detailedPng(input.width, input.height);
      const path = join(dir, `input-${input.width}x${input.height}.png`);
      writeFileSync(path, png);
      return { ...input, path, pngBytes: png.length };
    }),
  );

  const booted = performance.now();
  const service = await PipelineWorker.start(resolve(BENCH_DIST_DIR, 'pipeline-service-worker.js'), [], {
    cwd: serviceDir,
    env: { ...serviceEnv(serviceDir), WEBP_QUALITY: String(webpQuality), THUMBNAIL_SIZE: `${thumbnailSide}x${thumbnailSide}` },
  });
  const serviceBootMs = performance.now() - booted;
  // The service's migrations made the schema: the bare pipeline inserts into the same table.
  const bare = await startBarePipeline(join(serviceDir, 'bench.db'), join(dir, 'bare'));
  try {
    const pipelines = { service, bare };
    const times = files.map(() => ({ service: [] as PipelineTimes[], bare: [] as PipelineTimes[] }));
    for (const file of files) {
      for (const worker of Object.values(pipelines)) await worker.run({ input: file.path, aspectRatio: file.aspectRatio, count: warmupImages, concurrency: 1 });
    }
    for (let round = 0; round < rounds; round++) {
      log(`generation: round ${round + 1}/${rounds}, ${imagesPerRound} images per input and pipeline`);
      const order = round % 2 === 0 ? (['service', 'bare'] as const) : (['bare', 'service'] as const);
      for (const [index, file] of files.entries()) {
        for (const name of order) {
          times[index][name].push(await pipelines[name].run({ input: file.path, aspectRatio: file.aspectRatio, count: imagesPerRound, concurrency: 1 }));
        }
      }
    }
    return {
      serviceBootMs,
      inputs: files.map((file, index) => {
        const [serviceStats, bareStats] = [stats(times[index].service), stats(times[index].bare)];
        return {
          name: file.name,
          pngBytes: file.pngBytes,
          service: serviceStats,
          bare: bareStats,
          ratio: serviceStats.medianMs / bareStats.medianMs,
          cpuRatio: serviceStats.cpuMsPerImage / bareStats.cpuMsPerImage,
        };
      }),
    };
  } finally {
    await Promise.all([service.stop(), bare.stop()]);
  }
}

export function generationReport(results: GenerationResults): SectionReport {
  const { targetRatio, webpQuality, thumbnailSide, rounds, imagesPerRound } = GENERATION_CONFIG;
  const table = markdownTable(
    ['Input', 'PNG', 'Service median', 'Service p90', 'Bare median', 'Bare p90', 'Service ÷ bare', 'CPU/image service', 'CPU/image bare', 'CPU ratio'],
    results.inputs.map((input) => [
      input.name,
      fmt.kb(input.pngBytes),
      fmt.ms(input.service.medianMs),
      fmt.ms(input.service.p90Ms),
      fmt.ms(input.bare.medianMs),
      fmt.ms(input.bare.p90Ms),
      fmt.ratio(input.ratio),
      fmt.ms(input.service.cpuMsPerImage),
      fmt.ms(input.bare.cpuMsPerImage),
      fmt.ratio(input.cpuRatio),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const intro =
    `Per image, one at a time, decode → full WebP + ${thumbnailSide} px thumbnail WebP (quality ${webpQuality}, effort 4) → both files → the row; ` +
    `${rounds} alternating rounds of ${imagesPerRound} images per input after a warm-up. ` +
    `Service: ImagesService.store() in the compiled app (booted in ${fmt.ms(results.serviceBootMs)}, not listening), what generate() runs once the provider has answered. ` +
    `Bare: sharp (decode once, both encodes in parallel) + fs.writeFile + one better-sqlite3 INSERT into the same table. CPU is the whole process's, libvips threads included.`;
  const targetRows = results.inputs.map(
    (input) => [`generation overhead, service ÷ bare sharp (median): ${input.name}`, fmt.ratio(input.ratio), `≤ ${fmt.ratio(targetRatio)}`, input.ratio <= targetRatio] as const,
  );
  return {
    markdown: [`### Generation overhead (decode, WebP, thumbnail, files, row)\n\n${intro}\n\n${table}\n\n${targetsTable(targetRows)}`],
    json: { config: GENERATION_CONFIG, ...results },
    bad: [],
  };
}
