/**
 * Search over 100,000 images: `GET /api/v2/images/search` against the target p99 ≤ 10 ms,
 * beside a bare node:http + better-sqlite3 server running the same SQL on the same file.
 *
 *   1. Start the built service in a fresh directory so its migrations create the schema, stop
 *      it, insert 100k rows with better-sqlite3 in one transaction (bench/search-data.ts; the
 *      FTS5 triggers index them), then start it again (its cold start with 100k rows is shown).
 *   2. Start the baseline (bench/baseline-search-server.ts) on the same database file, and
 *      check that for every query both answer the same JSON (same items in the same order,
 *      same total): the baseline really is the same work.
 *   3. Per query, service then baseline: a warm-up, a steady 200 req/s (one connection, so
 *      requests never overlap: p50/p99 are per-request latencies) and a closed loop (10
 *      connections) for throughput. Both servers stay up; the idle one costs nothing.
 *   4. EXPLAIN QUERY PLAN of each query's statements, printed for the queries that miss the
 *      target (all of them go to latest.json).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { stopChild } from './lib/children.js';
import { parseSearchParams, searchStatements, totalFromPage } from './lib/images-table.js';
import { badRuns, cpuMicrosPerRequest, type Load, type Measurement, measureEach } from './lib/measure.js';
import { type Baseline, type Service, startBaseline, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';
import { seedImages, type SeedSummary } from './search-data.js';

export const SEARCH_CONFIG = {
  rows: 100_000,
  targetP99Ms: 10,
  /** The queries a gallery sends: what users type and click, plus paging far back. */
  queries: [
    { name: 'newest first, page 1 (no filter)', query: '' },
    { name: 'q, one word prefix "drag"', query: 'q=drag' },
    { name: 'q, two words "dwarf forg"', query: 'q=dwarf%20forg' },
    { name: 'featured=true', query: 'featured=true' },
    { name: 'itemType=weapon', query: 'itemType=weapon' },
    { name: 'source=gemini', query: 'source=gemini' },
    { name: 'deep page: page=200', query: 'page=200' },
  ],
  loads: {
    // One connection: ten would queue seconds of work behind the slow queries.
    warmup: { kind: 'throughput', connections: 1, durationS: 1 },
    fixedRate: { kind: 'rate', rate: 200, connections: 1, durationS: 3 },
    throughput: { kind: 'throughput', connections: 10, durationS: 2 },
  } satisfies Record<string, Load>,
} as const;

const SEARCH_PATH = '/api/v2/images/search';
type Runs = Record<keyof typeof SEARCH_CONFIG.loads, Measurement>;

/** Roughly how long the section takes (for the run's time budget): seeding, starts and the runs. */
export function searchPlannedSeconds(): number {
  const perServer = Object.values(SEARCH_CONFIG.loads).reduce((sum, load) => sum + load.durationS + 0.1, 0);
  return 15 + SEARCH_CONFIG.queries.length * 2 * perServer;
}

interface QueryResult {
  name: string;
  path: string;
  /** The total the service answered (matching active images). */
  total: number;
  answerBytes: number;
  sameAnswer: boolean;
  service: Runs;
  baseline: Runs;
  plan: { page: string[]; count: string[] | null };
}

export interface SearchResults {
  seed: SeedSummary;
  coldStartMs: number;
  queries: QueryResult[];
}

interface Probe {
  status: number;
  text: string;
}

async function get(url: string): Promise<Probe> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

function queryPlan(db: Database.Database, sql: string, args: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((row) => row.detail);
}

/** The plans of the statements the query runs: the page, and the count when the page does not show the total. */
function plansFor(dbPath: string, query: string, rows: number): QueryResult['plan'] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const params = parseSearchParams(new URLSearchParams(query));
    const { page, count, offset } = searchStatements(params);
    const needsCount = totalFromPage(rows, offset, params.pageSize) === undefined;
    return { page: queryPlan(db, page.sql, page.args), count: needsCount ? queryPlan(db, count.sql, count.args) : null };
  } finally {
    db.close();
  }
}

export async function runSearchBench(tempDir: string, log: (message: string) => void): Promise<SearchResults> {
  const dir = join(tempDir, 'search');
  // Once for the schema (the service runs its migrations at start), then stopped: nothing
  // else writes while the rows go in.
  let service: Service = await startService(dir);
  await stopChild(service.child);
  log(`search: seeding ${fmt.int(SEARCH_CONFIG.rows)} images into ${service.dbPath}`);
  const seed = seedImages(service.dbPath, SEARCH_CONFIG.rows);
  log(`search: seeded in ${seed.seconds.toFixed(1)} s (${fmt.mb(seed.dbBytes)})`);

  service = await startService(dir);
  let baseline: Baseline | undefined;
  try {
    baseline = await startBaseline('baseline-search-server.js', ['--db', service.dbPath], dir);
    const queries: QueryResult[] = [];
    for (const { name, query } of SEARCH_CONFIG.queries) {
      const path = query ? `${SEARCH_PATH}?${query}` : SEARCH_PATH;
      const [fromService, fromBaseline] = [await get(`${service.baseUrl}${path}`), await get(`${baseline.baseUrl}${path}`)];
      if (fromService.status !== 200) throw new Error(`GET ${path} answered ${fromService.status}: ${fromService.text.slice(0, 300)}`);
      const answer = JSON.parse(fromService.text) as { total: number; items: unknown[] };
      const sameAnswer = fromBaseline.status === 200 && isDeepStrictEqual(answer, JSON.parse(fromBaseline.text));

      log(`search: ${name} (${fmt.int(answer.total)} matches): service, then baseline`);
      const target = (server: Service | Baseline) => ({
        url: `${server.baseUrl}${path}`,
        expectStatus: 200,
        minBytes: Buffer.byteLength(fromService.text),
        serverPid: server.child.pid,
      });
      queries.push({
        name,
        path,
        total: answer.total,
        answerBytes: Buffer.byteLength(fromService.text),
        sameAnswer,
        service: await measureEach(target(service), SEARCH_CONFIG.loads, { settle: true }),
        baseline: await measureEach(target(baseline), SEARCH_CONFIG.loads, { settle: true }),
        plan: plansFor(service.dbPath, query, answer.items.length),
      });
    }
    return { seed, coldStartMs: service.coldStartMs, queries };
  } finally {
    if (baseline) await stopChild(baseline.child);
    await stopChild(service.child);
  }
}

export function searchReport(results: SearchResults): SectionReport {
  const { seed, queries } = results;
  const target = SEARCH_CONFIG.targetP99Ms;
  const { fixedRate, throughput } = SEARCH_CONFIG.loads;
  const table = markdownTable(
    ['Query', 'Matches', 'Service p50', 'Service p99', 'Baseline p50', 'Baseline p99', 'Service req/s', 'Baseline req/s', 'CPU/req service ÷ baseline', 'Same answer'],
    queries.map((q) => [
      q.name,
      fmt.int(q.total),
      fmt.ms(q.service.fixedRate.latencyMs.p50),
      fmt.ms(q.service.fixedRate.latencyMs.p99),
      fmt.ms(q.baseline.fixedRate.latencyMs.p50),
      fmt.ms(q.baseline.fixedRate.latencyMs.p99),
      fmt.int(q.service.throughput.reqPerS),
      fmt.int(q.baseline.throughput.reqPerS),
      `${fmt.int(cpuMicrosPerRequest(q.service.throughput))} ÷ ${fmt.int(cpuMicrosPerRequest(q.baseline.throughput))} µs`,
      q.sameAnswer ? 'yes' : '❌ no',
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  // One connection cannot send faster than one request per latency: a slow query gets fewer.
  const starved = queries.filter((q) => q.service.fixedRate.reqPerS < fixedRate.rate * 0.9);
  const intro =
    `${fmt.int(seed.rows)} rows (${fmt.int(seed.active)} active, ${fmt.int(seed.featured)} featured) inserted in one transaction in ${seed.seconds.toFixed(1)} s; ` +
    `database ${fmt.mb(seed.dbBytes)}; the service then started (to healthy) in ${fmt.ms(results.coldStartMs)}. ` +
    `p50/p99 at a steady ${fixedRate.rate} req/s (one connection, ${fixedRate.durationS} s); req/s closed loop (${throughput.connections} connections, ${throughput.durationS} s). ` +
    `Baseline: node:http + better-sqlite3 running the same SQL on the same file. Pages of 20, newest first.` +
    (starved.length > 0
      ? ` Too slow to sustain ${fixedRate.rate} req/s on one connection (achieved): ${starved.map((q) => `${q.name} ${fmt.int(q.service.fixedRate.reqPerS)}`).join(', ')}.`
      : '');

  const targetRows = queries.map((q) => {
    const p99 = q.service.fixedRate.latencyMs.p99;
    return [`search p99 at ${fixedRate.rate} req/s: ${q.name}`, fmt.ms(p99), `≤ ${fmt.ms(target)}`, p99 <= target] as const;
  });
  const slow = queries.filter((q) => q.service.fixedRate.latencyMs.p99 > target);
  const plans = slow.map(
    (q) =>
      `- ${q.name} (\`${q.path}\`, baseline p99 ${fmt.ms(q.baseline.fixedRate.latencyMs.p99)}):\n` +
      `  - page: ${q.plan.page.join(' → ')}\n` +
      `  - count: ${q.plan.count ? q.plan.count.join(' → ') : '(not run: the page shows the total)'}`,
  );

  const markdown = [
    `### Search over ${fmt.int(seed.rows)} images (\`GET ${SEARCH_PATH}\`)\n\n${intro}\n\n${table}\n\n${targetsTable(targetRows)}`,
  ];
  if (plans.length > 0) {
    markdown.push(
      `#### Query plans of the searches over ${fmt.ms(target)} (EXPLAIN QUERY PLAN, the service's SQL)\n\n` +
        `When the baseline is as slow, the time is in SQLite, not in the service.\n\n${plans.join('\n')}`,
    );
  }

  const bad = queries.flatMap((q) => [
    ...badRuns(`search service ${q.name}`, q.service),
    ...badRuns(`search baseline ${q.name}`, q.baseline),
    ...(q.sameAnswer ? [] : [`search ${q.name}: the baseline's answer differs from the service's (not the same query)`]),
  ]);
  return {
    markdown,
    json: {
      config: SEARCH_CONFIG,
      seed,
      coldStartMs: results.coldStartMs,
      queries: queries.map((q) => ({
        ...q,
        serverCpuMicrosPerRequest: { service: cpuMicrosPerRequest(q.service.throughput), baseline: cpuMicrosPerRequest(q.baseline.throughput) },
      })),
      slowQueries: slow.map((q) => q.name),
    },
    bad,
  };
}
