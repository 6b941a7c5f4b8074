/**
 * Baseline servers for the benchmark: the least work Node can do to answer the same bytes
 * the service answers for `/full`, so the service's numbers have something to be read against.
 *
 *   node dist/bench/baseline-server.js --mode memory --file <path.webp> --etag '"<hash>"'
 *   node dist/bench/baseline-server.js --mode disk   --file <path.webp> --etag '"<hash>"'
 *
 * `memory` reads the file once and answers from that Buffer: the ceiling for any server.
 * `disk` calls fs/promises readFile on every request, as the service's FileStore does, so the
 * gap between it and the service is what the framework (Nest, Express, middleware, the
 * database lookup) costs.
 *
 * It runs as its own process (started by bench/run.ts with an IPC channel) so it gets its own
 * core, like the service does. It listens on an ephemeral port and reports it over IPC.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { serveBaseline } from './lib/baseline-http.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    file: { type: 'string' },
    etag: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const { mode, file, etag, host } = values;
if ((mode !== 'memory' && mode !== 'disk') || !file || !etag) {
  console.error('usage: baseline-server --mode memory|disk --file <path> --etag <quoted etag>');
  process.exit(2);
}

// Roughly the headers the service sends for a file (minus helmet's dozen security headers,
// which are a few hundred bytes more per response on the service side).
function send(response: ServerResponse, data: Buffer): void {
  response.writeHead(200, {
    'Content-Type': 'image/webp',
    'Content-Length': data.length,
    ETag: etag,
    'Cache-Control': 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(data);
}

const inMemory = mode === 'memory' ? readFileSync(file) : undefined;

const handler =
  inMemory !== undefined
    ? (_request: IncomingMessage, response: ServerResponse) => send(response, inMemory)
    : (_request: IncomingMessage, response: ServerResponse) => {
        readFile(file).then(
          (data) => send(response, data),
          (error: unknown) => {
            response.writeHead(500).end(String(error));
          },
        );
      };

serveBaseline(handler, host, mode);
