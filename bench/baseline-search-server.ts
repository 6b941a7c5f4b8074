/**
 * Baseline for `GET /api/v2/images/search` and `GET /api/v1/images/search`: bare node:http +
 * better-sqlite3 on the SAME database file the service used, running the same SQL the
 * service's TypeORM query builder emits (bench/lib/images-table.ts: the FTS5 MATCH sub-select,
 * the filters, ORDER BY [featured,] created_at, id, LIMIT/OFFSET, and the COUNT when the page
 * does not show the total).
 *
 *   node dist/bench/baseline-search-server.js --db <bench.db>
 *
 * Per request: parse the query string (no validation), run the page statement and, if
 * needed, the count statement (each prepared once per distinct SQL text, as TypeORM's
 * statement cache does), and answer the route's JSON shape (v2: items, total, page, pageSize,
 * totalPages; v1 the same in snake_case, with v1's items). It opens the database read-only; the benchmark checks that its answers equal
 * the service's, byte for byte once parsed.
 */
import Database, { type Statement } from 'better-sqlite3';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { sendJson, serveBaseline } from './lib/baseline-http.js';
import { type ImageRow, SEARCH_APIS, searchStatements, totalFromPage } from './lib/images-table.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const { db: dbPath, host } = values;
if (!dbPath) {
  console.error('usage: baseline-search-server --db <path to the service database>');
  process.exit(2);
}

const db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
const statements = new Map<string, Statement>();
const prepared = (sql: string) => {
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
};

function answer(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://baseline');
  const api = Object.values(SEARCH_APIS).find((candidate) => candidate.path === url.pathname);
  if (!api) return sendJson(response, 404, { message: `no route for ${url.pathname}` });
  const params = api.parse(url.searchParams);
  const { page, count, offset } = searchStatements(params);
  const rows = prepared(page.sql).all(...page.args) as ImageRow[];
  const total = totalFromPage(rows.length, offset, params.pageSize) ?? (prepared(count.sql).get(...count.args) as { total: number }).total;
  sendJson(response, 200, api.answer(rows, total, params));
}

function handler(request: IncomingMessage, response: ServerResponse): void {
  try {
    answer(request, response);
  } catch (error) {
    sendJson(response, 500, { message: String(error) });
  }
}

serveBaseline(handler, host, `search, ${dbPath}`);
