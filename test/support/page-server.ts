import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A page on an origin of its own: another port on loopback, as a game served on :8080 is. */
export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves `html` at every path from a free loopback port. */
export async function startPageServer(html: string): Promise<PageServer> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
