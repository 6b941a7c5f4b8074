/**
 * Child processes of the benchmark (the service, the baseline servers) and what we read
 * about them from /proc. Every child is registered so one call (also from SIGINT or a crash)
 * ends them all: a benchmark must never leave a server holding a port or a core.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();

export interface Child {
  process: ChildProcess;
  pid: number;
  /** The last few KB of the child's stdout+stderr, for error messages. */
  output(): string;
}

export interface SpawnOptions {
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Open an IPC channel (the baseline servers report their port over it). */
  ipc?: boolean;
}

const OUTPUT_TAIL_CHARS = 8_000;

/** Spawns `node <args>` directly (no shell, no npm), so the pid is the server's own. */
export function spawnNode(options: SpawnOptions): Child {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`Could not spawn node ${options.args.join(' ')}`);
  running.add(child);
  child.once('exit', () => running.delete(child));

  // Pipes must be drained or a chatty child blocks; keep only the tail.
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { process: child, pid: child.pid, output: () => tail };
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Synchronous last resort for exit/signal handlers: SIGKILL whatever is still running. */
export function killAllChildrenNow(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/** A port the OS just handed out; tiny race before the child binds it, acceptable here. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first message the child sends over IPC, or rejects if it exits first. */
export function firstMessage<T>(child: Child, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No IPC message within ${timeoutMs} ms:\n${child.output()}`)), timeoutMs);
    child.process.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.process.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Child exited (${signal ?? code}) before reporting:\n${child.output()}`));
    });
  });
}

/** One GET; resolves with the status code (0 when the connection failed). */
function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/**
 * Polls `url` until it answers 200. Refused connections come back at once, so a short poll
 * interval keeps the measurement's resolution at a few milliseconds.
 */
export async function waitForOk(url: string, child: Child, timeoutMs: number, pollMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`The service exited (${child.process.signalCode ?? child.process.exitCode}) before ${url} answered 200:\n${child.output()}`);
    }
    if ((await getStatus(url, 1_000)) === 200) return;
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Resident set size of a process in bytes (VmRSS in /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`No VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Linux reports utime/stime in clock ticks of USER_HZ, which is 100 on every mainstream build. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time every process on the machine has used so far, all cores together, in milliseconds:
 * the busy states of /proc/stat's first line (user, nice, system, irq, softirq; not idle,
 * iowait or steal, which is the hypervisor's).
 */
export function machineCpuTimeMs(): number {
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]); // field 14
  const stime = Number(fields[12]); // field 15
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}
