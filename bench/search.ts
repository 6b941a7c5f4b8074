/**
 * Search over 100,000 images: `GET /api/v2/images/search` and the old contract's
 * `GET /api/v1/images/search` against the target p99 ≤ 10 ms, each beside a bare node:http +
 * better-sqlite3 server running the same SQL on the same file, and each v1 query beside its v2
 * twin (the same filter).
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
import { SEARCH_APIS, type SearchApi, searchStatements, totalFromPage } from './lib/images-table.js';
import { badRuns, cpuMicrosPerRequest, type Load, type Measurement, measureEach } from './lib/measure.js';
import { type Baseline, type Service, startBaseline, startService } from './lib/service.js';
import { fmt, markdownTable, type SectionReport, targetsTable } from './lib/table.js';
import { seedImages, type SeedSummary } from './search-data.js';

interface SearchQuery {
  /** `{item}` in the name and query stands for the seeded item with the most images. */
  name: string;
  query: string;
  /** v2 unless given. */
  api?: SearchApi;
  /** A v1 query's v2 twin (its name): the same filter, to read the two side by side. */
  twin?: string;
}

/**
 * The queries a gallery sends: what users type and click, plus paging far back. Each of the
 * old clients' queries (v1: no text search, featured first) runs right after its v2 twin, so
 * the two share the machine's conditions; page_size=20, v2's default, so each reads as many
 * rows as its twin (v1's own default is 12).
 */
const QUERIES: readonly SearchQuery[] = [
  { name: 'newest first, page 1 (no filter)', query: '' },
  { name: 'v1 featured first, page 1 (no filter)', api: 'v1', query: 'page_size=20', twin: 'newest first, page 1 (no filter)' },
  { name: 'q, one word prefix "drag"', query: 'q=drag' },
  { name: 'q, two words "dwarf forg"', query: 'q=dwarf%20forg' },
  { name: 'featured=true', query: 'featured=true' },
  { name: 'v1 is_featured=true', api: 'v1', query: 'is_featured=true&page_size=20', twin: 'featured=true' },
  { name: 'itemType=weapon', query: 'itemType=weapon' },
  { name: 'itemId={item}', query: 'itemId={item}' },
  { name: 'v1 subject_name={item}', api: 'v1', query: 'subject_name={item}&page_size=20', twin: 'itemId={item}' },
  { name: 'source=gemini', query: 'source=gemini' },
  { name: 'deep page: page=200', query: 'page=200' },
];

export const SEARCH_CONFIG = {
  rows: 100_000,
  targetP99Ms: 10,
  queries: QUERIES,
  loads: {
    // One connection: ten would queue seconds of work behind the slow queries.
    warmup: { kind: 'throughput', connections: 1, durationS: 1 },
    fixedRate: { kind: 'rate', rate: 200, connections: 1, durationS: 3 },
    throughput: { kind: 'throughput', connections: 10, durationS: 2 },
  } satisfies Record<string, Load>,
} as const;

type Runs = Record<keyof typeof SEARCH_CONFIG.loads, Measurement>;

/** Roughly how long the section takes (for the run's time budget): seeding, starts and the runs. */
export function searchPlannedSeconds(): number {
  const perServer = Object.values(SEARCH_CONFIG.loads).reduce((sum, load) => sum + load.durationS + 0.1, 0);
  return 15 + SEARCH_CONFIG.queries.length * 2 * perServer;
}

interface QueryResult {
  name: string;
  api: SearchApi;
  twin?: string;
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
function plansFor(dbPath: string, api: SearchApi, query: string, rows: number): QueryResult['plan'] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const params = SEARCH_APIS[api].parse(new URLSearchParams(query));
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
  log(`search: seeded in ${seed.seconds.toFixed(1)} s (${fmt.mb(seed.dbBytes)}), numbers ${seed.numbers.first}–${seed.numbers.last}; busiest item ${seed.busiestItem.id} (${seed.busiestItem.images} images)`);
  const fill = (text: string) => text.replaceAll('{item}', seed.busiestItem.id);

  service = await startService(dir);
  let baseline: Baseline | undefined;
  try {
    baseline = await startBaseline('baseline-search-server.js', ['--db', service.dbPath], dir);
    const queries: QueryResult[] = [];
    for (const { api = 'v2', ...template } of SEARCH_CONFIG.queries) {
      const [name, query, twin] = [fill(template.name), fill(template.query), template.twin && fill(template.twin)];
      const { path: route } = SEARCH_APIS[api];
      const path = query ? `${route}?${query}` : route;
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
        api,
        twin,
        path,
        total: answer.total,
        answerBytes: Buffer.byteLength(fromService.text),
        sameAnswer,
        service: await measureEach(target(service), SEARCH_CONFIG.loads, { settle: true }),
        baseline: await measureEach(target(baseline), SEARCH_CONFIG.loads, { settle: true }),
        plan: plansFor(service.dbPath, api, query, answer.items.length),
      });
    }
    return { seed, coldStartMs: service.coldStartMs, queries };
  } finally {
    if (baseline) await stopChild(baseline.child);
    await stopChild(service.child);
  }
}

/** Each v1 query beside its v2 twin: what the old contract costs over the native one on the same filter. */
function twinsReport(queries: QueryResult[]): string {
  const { fixedRate, throughput } = SEARCH_CONFIG.loads;
  const rows = queries.flatMap((v1) => {
    const v2 = queries.find((q) => q.name === v1.twin);
    if (!v2) return [];
    const [cpuV1, cpuV2] = [cpuMicrosPerRequest(v1.service.throughput), cpuMicrosPerRequest(v2.service.throughput)];
    return [
      [
        v1.name,
        v2.name,
        `${fmt.int(v1.total)} / ${fmt.int(v2.total)}`,
        fmt.ms(v1.service.fixedRate.latencyMs.p50),
        fmt.ms(v2.service.fixedRate.latencyMs.p50),
        fmt.ms(v1.service.fixedRate.latencyMs.p99),
        fmt.ms(v2.service.fixedRate.latencyMs.p99),
        fmt.int(v1.service.throughput.reqPerS),
        fmt.int(v2.service.throughput.reqPerS),
        `${fmt.int(cpuV1)} ÷ ${fmt.int(cpuV2)} µs (${fmt.ratio(cpuV1 / cpuV2)})`,
        `${fmt.pct(v1.service.throughput.otherCpuPct)} / ${fmt.pct(v2.service.throughput.otherCpuPct)}`,
      ],
    ];
  });
  return (
    `#### v1 search beside its v2 twins (the service, same database and run)\n\n` +
    `p50/p99 at a steady ${fixedRate.rate} req/s, req/s closed loop (${throughput.connections} connections), as above. ` +
    `Other CPU: what every other process on the machine used during the closed loops (100 % = one core); anything there slowed that side.\n\n` +
    markdownTable(
      ['v1 query', 'v2 twin', 'Matches v1 / v2', 'v1 p50', 'v2 p50', 'v1 p99', 'v2 p99', 'v1 req/s', 'v2 req/s', 'CPU/req v1 ÷ v2', 'Other CPU v1 / v2'],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    )
  );
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
    `Baseline: node:http + better-sqlite3 running the same SQL on the same file (and route: v1 rows ask the baseline's v1 route). ` +
    `Pages of 20: v2 newest first, v1 (\`${SEARCH_APIS.v1.path}\`, the old contract) featured first, then newest. ` +
    `Image numbers ${fmt.int(seed.numbers.first)}–${fmt.int(seed.numbers.last)} (the \`images\` sequence set to the last); the item filters ask for ${seed.busiestItem.id}, the item with the most active images (${seed.busiestItem.images}).` +
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
    `### Search over ${fmt.int(seed.rows)} images (\`GET ${SEARCH_APIS.v2.path}\`, \`GET ${SEARCH_APIS.v1.path}\`)\n\n${intro}\n\n${table}\n\n${targetsTable(targetRows)}`,
    twinsReport(queries),
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
