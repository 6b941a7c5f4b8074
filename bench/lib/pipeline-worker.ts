/**
 * Image pipelines measured in a process of their own (bench/pipeline-*-worker.ts): the parent
 * sends jobs over IPC, one at a time; the worker runs the pipeline on a PNG file `count`
 * times, `concurrency` at a time, and answers the time each image took, the wall time of the
 * job and the CPU time the whole process used (libvips' threads included).
 *
 * Each image gets a fresh copy of the input bytes, so no cache (libvips keys operations on
 * their arguments) can answer one image from another's work.
 */
import { readFileSync } from 'node:fs';
import { type Child, firstMessage, spawnNode, stopChild } from './children.js';
import { baseEnv } from './service.js';

/** What both pipelines record on the row: a Gemini picture, as generate() would store it. */
export const PIPELINE_ROW = { prompt: 'A red dragon guarding a ruined keep at dawn', source: 'gemini', model: 'gemini-2.5-flash-image' } as const;

export interface PipelineJob {
  /** A PNG file. */
  input: string;
  /** As Gemini was asked: the service records it on the row. */
  aspectRatio: string;
  count: number;
  concurrency: number;
}

export interface PipelineTimes {
  /** Wall time of each image, start of decode to row committed. */
  perImageMs: number[];
  wallMs: number;
  /** User + system CPU of the worker process over the job. */
  cpuMs: number;
}

type Reply = { id: number; times: PipelineTimes } | { id: number; error: string };

/** Worker side: call once set up. `pipeline` takes one image through every step. */
export function servePipelineJobs(pipeline: (input: Buffer, job: PipelineJob) => Promise<void>): void {
  process.on('message', (message: PipelineJob & { id: number }) => {
    runJob(message, pipeline).then(
      (times) => process.send?.({ id: message.id, times } satisfies Reply),
      (error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

async function runJob(job: PipelineJob, pipeline: (input: Buffer, job: PipelineJob) => Promise<void>): Promise<PipelineTimes> {
  const input = readFileSync(job.input);
  const perImageMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < job.count) {
      next++;
      const copy = Buffer.from(input);
      const imageStarted = performance.now();
      await pipeline(copy, job);
      perImageMs.push(performance.now() - imageStarted);
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.count) }, lane));
  const cpu = process.cpuUsage(cpuBefore);
  return { perImageMs, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Parent side: a worker process and its job queue. */
export class PipelineWorker {
  private nextId = 0;

  private constructor(private readonly child: Child) {}

  /** Spawns `node <entry> <args>` with `env` over the bare environment; resolves once it is ready. */
  static async start(entry: string, args: string[], options: { cwd: string; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<PipelineWorker> {
    const child = spawnNode({ args: [entry, ...args], cwd: options.cwd, env: { ...baseEnv(), ...options.env }, ipc: true });
    await firstMessage<{ ready: true }>(child, options.readyTimeoutMs ?? 60_000);
    return new PipelineWorker(child);
  }

  run(job: PipelineJob): Promise<PipelineTimes> {
    const id = ++this.nextId;
    const proc = this.child.process;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`Pipeline worker exited (${signal ?? code}):\n${this.child.output()}`));
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        if ('error' in reply) reject(new Error(`Pipeline worker failed: ${reply.error}`));
        else resolve(reply.times);
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      proc.send({ ...job, id });
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
