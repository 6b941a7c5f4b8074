import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built service, as `npm start` runs it (`npm test` builds it first, in pretest). */
export const BUILT_MAIN = join(PROJECT_ROOT, 'dist/src/main.js');

export interface ReplicaProcess {
  url: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
  /** kill -9: no shutdown hooks, no drain, whatever it was doing cut off. */
  kill(): void;
}

/**
 * Starts the built service as its own process on a free port, with exactly `env` (plus PATH),
 * and resolves once /health answers 200. The working directory is `cwd`, so no developer
 * .env is read.
 */
export async function startReplica(env: Record<string, string>, cwd: string, timeoutMs = 30_000): Promise<ReplicaProcess> {
  const { replica, child } = await spawnService(env, cwd);
  const output = replica.output;

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}:\n${output()}`);
    const healthy = await fetch(`${replica.url}/health`).then((response) => response.status === 200, () => false);
    if (healthy) return replica;
    await sleep(100);
  }
  await replica.stop();
  throw new Error(`replica not healthy within ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts the built service as its own process on a free port without waiting for it (say, to
 * kill it in the middle of its boot). SIGTERM then stops it at once (no drain).
 */
export async function spawnService(env: Record<string, string>, cwd: string): Promise<{ replica: ReplicaProcess; child: ChildProcess }> {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npm run build\` (npm test's pretest does)`);
  const port = await freePort();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'log', SHUTDOWN_DRAIN_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { replica: { url: `http://127.0.0.1:${port}`, output: () => output, stop: () => stopProcess(child), kill: () => void child.kill('SIGKILL') }, child };
}

/** SIGTERM, then SIGKILL if the process has not exited after `patienceMs`; resolves once it is gone. */
export async function stopProcess(child: ChildProcess, patienceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const patience = new AbortController(); // so no timer outlives the test
  const killed = sleep(patienceMs, undefined, { signal: patience.signal }).then(() => child.kill('SIGKILL'), () => undefined);
  await Promise.race([exited, killed]);
  patience.abort();
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as { port: number };
  await new Promise((resolveClose) => server.close(resolveClose));
  return port;
}
