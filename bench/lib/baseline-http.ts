/**
 * What every bare node:http baseline shares: it runs as its own process (started by
 * bench/lib/service.ts with an IPC channel, so it gets a core of its own like the service),
 * listens on an ephemeral port and reports it over IPC, and ends when the parent goes away.
 */
import { createServer, type RequestListener, type ServerResponse } from 'node:http';

export function serveBaseline(handler: RequestListener, host: string, label: string): void {
  const server = createServer(handler);
  server.listen(0, host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    if (process.send) process.send({ port });
    else console.log(`baseline (${label}) listening on http://${host}:${port}`);
  });

  // The parent going away (IPC closed) or asking us to stop both end the process.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(data), ...headers });
  response.end(data);
}
