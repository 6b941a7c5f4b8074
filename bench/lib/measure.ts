/**
 * One autocannon run against one URL, plus what autocannon does not tell us: sub-millisecond
 * latency percentiles, per-status counts checked against what the scenario expects, and how
 * busy the server and the load generator were (to see which side was the bottleneck).
 */
import autocannon from 'autocannon';
import { cpuTimeMs, machineCpuTimeMs } from './children.js';

export interface Target {
  url: string;
  /** GET unless given; a POST carries `body` (with its content-type in `headers`). */
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** The only status a correct response may have (200, or 304 for conditional requests). */
  expectStatus: number;
  /** A 200 shorter than this (headers + body) is counted as bad: the body went missing. */
  minBytes: number;
  /** The server process, to sample its CPU time. */
  serverPid: number;
}

export type Load =
  /** Closed loop: `connections` clients send the next request as soon as the previous returns. */
  | { kind: 'throughput'; connections: number; durationS: number; amount?: number }
  /** autocannon's overallRate: requests per second spread over `connections` clients. */
  | { kind: 'rate'; rate: number; connections: number; durationS: number };

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface Measurement {
  responses: number;
  wallS: number;
  reqPerS: number;
  /** Milliseconds, from the raw per-response times (autocannon's histogram rounds to 1 ms). */
  latencyMs: LatencyStats;
  statusCounts: Record<string, number>;
  /** Wrong status, short body, connection errors or timeouts. Must be 0 for a valid run. */
  bad: number;
  errors: number;
  timeouts: number;
  /** Share of one core each side used during the run (100 = one core saturated). */
  serverCpuPct: number;
  loadgenCpuPct: number;
  /**
   * What every other process on the machine used meanwhile (100 = one core). On a 2-core
   * machine the server and the load generator each need one: anything here slowed them.
   */
  otherCpuPct: number;
}

export async function measure(target: Target, load: Load): Promise<Measurement> {
  const latencies = new Samples();
  const statusCounts: Record<string, number> = {};
  let bad = 0;

  const options: autocannon.Options = {
    url: target.url,
    method: target.method ?? 'GET',
    body: target.body,
    headers: target.headers,
    connections: load.connections,
    pipelining: 1,
    duration: load.durationS,
    setupClient: skipBodyBuffering,
  };
  if (load.kind === 'rate') {
    options.overallRate = load.rate;
    // Latencies come from our own listener below; this only stops autocannon padding its
    // own histogram with synthetic samples (it uses a 1 ms "expected interval" there).
    options.ignoreCoordinatedOmission = true;
  }
  if (load.kind === 'throughput' && load.amount !== undefined) options.amount = load.amount;

  const cpu = cpuShares(target.serverPid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, finished: autocannon.Result) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client, statusCode, resBytes, responseTime) => {
      latencies.add(responseTime);
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      if (statusCode !== target.expectStatus || (statusCode === 200 && resBytes < target.minBytes)) bad++;
    });
  });

  const { wallMs, serverCpuPct, loadgenCpuPct, otherCpuPct } = cpu();
  return {
    responses: latencies.count,
    wallS: wallMs / 1000,
    reqPerS: latencies.count / (wallMs / 1000),
    latencyMs: latencyStats(latencies.values()),
    statusCounts,
    bad: bad + result.errors,
    errors: result.errors,
    timeouts: result.timeouts,
    serverCpuPct,
    loadgenCpuPct,
    otherCpuPct,
  };
}

/** Above this share of a core used by other processes during a run, its comparison is flagged. */
export const OTHER_CPU_WARNING_PCT = 10;

/**
 * Starts counting the CPU a server, this process (the load generator) and every other process
 * on the machine use; the function returned tells each since, as a share of one core (100 = one
 * core saturated), with the wall time.
 */
export function cpuShares(serverPid: number): () => { wallMs: number; serverCpuPct: number; loadgenCpuPct: number; otherCpuPct: number } {
  const serverCpuBefore = cpuTimeMs(serverPid);
  const machineCpuBefore = machineCpuTimeMs();
  const loadgenCpuBefore = process.cpuUsage();
  const started = performance.now();
  return () => {
    const wallMs = performance.now() - started;
    const loadgenCpu = process.cpuUsage(loadgenCpuBefore);
    const serverCpuMs = cpuTimeMs(serverPid) - serverCpuBefore;
    const loadgenCpuMs = (loadgenCpu.user + loadgenCpu.system) / 1000;
    // Clock ticks (10 ms) against microseconds: small negatives are rounding.
    const otherCpuMs = Math.max(0, machineCpuTimeMs() - machineCpuBefore - serverCpuMs - loadgenCpuMs);
    return { wallMs, serverCpuPct: (serverCpuMs / wallMs) * 100, loadgenCpuPct: (loadgenCpuMs / wallMs) * 100, otherCpuPct: (otherCpuMs / wallMs) * 100 };
  };
}

/**
 * Server CPU time per response, in µs. It does not depend on the load generator keeping up:
 * when two servers both saturate it, req/s compares the load generator, this still the servers.
 */
export function cpuMicrosPerRequest(m: Measurement): number {
  return (m.serverCpuPct / 100 / m.reqPerS) * 1e6;
}

/**
 * Runs `loads` one after another against one target, in the order given (a warm-up first, say).
 * With `settle`, each run waits first for one request of its own to be answered: when a run
 * ends, autocannon drops the requests in flight but the server still works through them (a
 * 200 ms query times 10 connections is 2 s of backlog), which would otherwise land in the next
 * run's latencies, or in another server's if it shares the cores.
 */
export async function measureEach<K extends string>(target: Target, loads: Record<K, Load>, options: { settle?: boolean } = {}): Promise<Record<K, Measurement>> {
  const results = {} as Record<K, Measurement>;
  for (const [name, load] of Object.entries(loads) as [K, Load][]) {
    if (options.settle) await settle(target);
    results[name] = await measure(target, load);
  }
  if (options.settle) await settle(target);
  return results;
}

async function settle(target: Target): Promise<void> {
  const response = await fetch(target.url, { method: target.method ?? 'GET', headers: target.headers, body: target.body });
  await response.arrayBuffer();
}

/** One line per run with bad responses (wrong status, short body, errors): each makes the numbers lie. */
export function badRuns(what: string, runs: Record<string, Measurement>): string[] {
  return Object.entries(runs)
    .filter(([, m]) => m.bad > 0)
    .map(([phase, m]) => `${what} (${phase}): ${m.bad} bad; statuses ${JSON.stringify(m.statusCounts)}, errors ${m.errors}, timeouts ${m.timeouts}`);
}

/** True if an autocannon upgrade moved the internals skipBodyBuffering relies on. */
export let bodyBufferingPatchMissed = false;

/**
 * autocannon 8 appends every response body chunk to a string (`body += chunk`, for its
 * expectBody/verifyBody features, which we do not use). For binary bodies of ~20 KB that
 * UTF-8 decoding costs the load generator ~0.2 ms per response and capped it at ~5k req/s,
 * so it, not the server, was being measured (a node:http server manages ~65k req/s with
 * this removed). Byte counts, which our short-body check relies on, are kept separately
 * and stay intact. The hook runs in the client's constructor, after its queue exists.
 */
function skipBodyBuffering(client: autocannon.Client): void {
  const queue = (client as unknown as { pipelinedRequests?: { addBody?: unknown } }).pipelinedRequests;
  if (queue && typeof queue.addBody === 'function') queue.addBody = () => undefined;
  else bodyBufferingPatchMissed = true;
}

/**
 * A growable Float64Array. The listener runs once per response in the load generator, which
 * is the bottleneck against the baselines: measured there, pushing onto a plain number[]
 * cost ~30 % of the achievable req/s, and this costs nothing visible.
 */
class Samples {
  private buffer = new Float64Array(1 << 16);
  count = 0;

  add(value: number): void {
    if (this.count === this.buffer.length) {
      const bigger = new Float64Array(this.buffer.length * 2);
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.count++] = value;
  }

  values(): Float64Array {
    return this.buffer.subarray(0, this.count);
  }
}

/** Nearest-rank percentiles over every sample (no histogram bucketing). */
export function latencyStats(samples: Float64Array): LatencyStats {
  if (samples.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  let sum = 0;
  for (const value of sorted) sum += value;
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
