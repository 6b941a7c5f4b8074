/**
 * Images on disk beside images in a bucket: the same built service twice in one run, once
 * with STORAGE_DRIVER=fs and once with STORAGE_DRIVER=s3 against s3rver on loopback (an S3
 * server from npm, started here), both with IMAGE_CACHE_MB=0 so every file GET reads the
 * store (with the cache on, a hit is served from memory alike):
 *   1. file GET (`/api/v2/images/{id}/full`): at 200 req/s for 10 s, latency; then a closed
 *      loop, req/s;
 *   2. generation (local provider): one at a time, fs and s3 alternating, end-to-end latency.
 * s3rver is a Node server writing each object as files, so the bucket figures are an upper
 * bound of what a real store on the same network adds, not a measurement of AWS or MinIO.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { S3Settings } from '../src/config/app-config.js';
import { s3ClientFor } from '../src/storage/s3-bucket.js';
import { type ImageJson, postGenerate } from './lib/api.js';
import { freePort, spawnNode, stopChild } from './lib/children.js';
import { latencyStats, type LatencyStats, measure, type Measurement } from './lib/measure.js';
import { type Service, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport } from './lib/table.js';

export const STORAGE_CONFIG = {
  seedImages: 10,
  rate: 200,
  rateDurationS: 10,
  throughputConnections: 10,
  throughputDurationS: 8,
  warmupGenerations: 4,
  generations: 40,
} as const;

const DRIVERS = ['fs', 's3'] as const;
type Driver = (typeof DRIVERS)[number];

export function storagePlannedSeconds(): number {
  const { rateDurationS, throughputDurationS, generations, warmupGenerations } = STORAGE_CONFIG;
  return 10 + 2 * (rateDurationS + throughputDurationS) + 2 * (generations + warmupGenerations) * 0.2;
}

interface DriverResults {
  fileAtRate: Measurement;
  fileThroughput: Measurement;
  generationMs: LatencyStats;
}

export type StorageResults = Record<Driver, DriverResults>;

const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** s3rver on a free port; it needs OpenSSL's legacy provider (it encrypts listing tokens with DES). */
async function startS3rver(dir: string) {
  const port = await freePort('127.0.0.1');
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  mkdirSync(join(dir, 's3rver'), { recursive: true });
  const child = spawnNode({ args: ['--openssl-legacy-provider', bin, '--directory', join(dir, 's3rver'), '--address', '127.0.0.1', '--port', String(port), '--silent'], cwd: dir, env: { PATH: process.env.PATH } });
  const endpoint = `http://127.0.0.1:${port}`;
  const settings: S3Settings = { endpoint, bucket: 'bench-images', region: 'us-east-1', forcePathStyle: true, prefix: '', ...S3RVER_CREDENTIALS };
  const client = s3ClientFor(settings);
  // Its first answer is the bucket made: until it listens, the connection is refused.
  for (const deadline = performance.now() + 10_000; ; ) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: settings.bucket }));
      break;
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`s3rver did not start: ${String(error)}\n${child.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  client.destroy();
  return { child, env: { STORAGE_DRIVER: 's3', S3_ENDPOINT: endpoint, S3_BUCKET: settings.bucket, S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' } };
}

async function generate(service: Service, prompt: string): Promise<ImageJson> {
  const response = await postGenerate(service.baseUrl, { prompt });
  if (response.status !== 201) throw new Error(`storage: POST /images/generate answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ImageJson;
}

export async function runStorageBench(tempDir: string, log: (message: string) => void): Promise<StorageResults> {
  const { seedImages, rate, rateDurationS, throughputConnections, throughputDurationS, warmupGenerations, generations } = STORAGE_CONFIG;
  const dir = join(tempDir, 'storage');
  const s3rver = await startS3rver(dir);
  const services: Partial<Record<Driver, Service>> = {};
  try {
    services.fs = await startService(join(dir, 'fs'), { IMAGE_CACHE_MB: '0' });
    services.s3 = await startService(join(dir, 's3'), { IMAGE_CACHE_MB: '0', ...s3rver.env });
    const timings: Record<Driver, number[]> = { fs: [], s3: [] };
    log(`storage: ${warmupGenerations + generations} generations on each, alternating`);
    for (let n = 0; n < warmupGenerations + generations; n++) {
      for (const driver of n % 2 === 0 ? DRIVERS : [...DRIVERS].reverse()) {
        const started = performance.now();
        await generate(services[driver]!, `a watchtower on a hill, number ${n}`);
        if (n >= warmupGenerations) timings[driver].push(performance.now() - started);
      }
    }
    const results = {} as StorageResults;
    for (const driver of DRIVERS) {
      const service = services[driver]!;
      const images: ImageJson[] = [];
      for (let n = 0; n < seedImages; n++) images.push(await generate(service, `a ruined chapel, view ${n}`));
      const target = { url: `${service.baseUrl}${images[0].urls.full}`, expectStatus: 200, minBytes: images[0].sizeBytes, serverPid: service.child.pid };
      log(`storage: ${driver}, file GET at ${rate} req/s for ${rateDurationS} s, then a closed loop`);
      const fileAtRate = await measure(target, { kind: 'rate', rate, connections: 10, durationS: rateDurationS });
      const fileThroughput = await measure(target, { kind: 'throughput', connections: throughputConnections, durationS: throughputDurationS });
      results[driver] = { fileAtRate, fileThroughput, generationMs: latencyStats(Float64Array.from(timings[driver])) };
    }
    return results;
  } finally {
    await Promise.all(Object.values(services).map((service) => stopChild(service.child)));
    await stopChild(s3rver.child);
  }
}

export function storageReport(results: StorageResults): SectionReport {
  const { rate, generations } = STORAGE_CONFIG;
  const both = (value: (driver: DriverResults) => string) => DRIVERS.map((driver) => value(results[driver]));
  const table = markdownTable(
    ['Measure', 'fs (IMAGE_STORAGE_DIR)', 's3 (s3rver on loopback)'],
    [
      [`File GET at ${rate} req/s, p50 / p99`, ...both((r) => `${fmt.ms(r.fileAtRate.latencyMs.p50)} / ${fmt.ms(r.fileAtRate.latencyMs.p99)}`)],
      ['File GET, closed loop (10 connections)', ...both((r) => `${fmt.int(r.fileThroughput.reqPerS)} req/s`)],
      ['Server CPU during the closed loop', ...both((r) => fmt.pct(r.fileThroughput.serverCpuPct))],
      [`Generation (local provider), ${generations} each, p50 / p99`, ...both((r) => `${fmt.ms(r.generationMs.p50)} / ${fmt.ms(r.generationMs.p99)}`)],
    ],
    ['left', 'right', 'right'],
  );
  const bad = DRIVERS.flatMap((driver) =>
    [results[driver].fileAtRate, results[driver].fileThroughput].filter((measurement) => measurement.bad > 0).map((measurement) => `storage (${driver}): ${measurement.bad} bad file responses`),
  );
  const intro =
    'The built service twice, images in a folder and in a bucket (s3rver, an S3 server from npm, on loopback), IMAGE_CACHE_MB=0 so every GET reads the store; with the in-memory cache on, hits are served from memory on both. s3rver writes each object as files from Node: an upper bound of what a real store on the same network adds.';
  return { markdown: [`### Images on disk and in a bucket\n\n${intro}\n\n${table}`], json: { config: STORAGE_CONFIG, ...results }, bad };
}
