import { createServer, type IncomingHttpHeaders, request as httpRequest, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'superagent';
import request from 'supertest';
import type { App } from 'supertest/types.js';

/** Collects a binary body into a Buffer (superagent only buffers text and JSON by default). */
function binaryParser(response: Response, done: (error: Error | null, body: Buffer) => void): void {
  const stream = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/** GETs a file route and answers its bytes as `body` (expects 200). */
export function getBytes(server: App, url: string) {
  return request(server).get(url).buffer(true).parse(binaryParser).expect(200);
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it came over the wire: still compressed when Content-Encoding says so. */
  body: Buffer;
}

/**
 * One request through node:http, which (unlike superagent and fetch) neither adds an
 * Accept-Encoding nor decompresses: what a client asking for exactly `headers` receives.
 * A server that is not listening (or an express app) listens on a free port meanwhile.
 */
export async function rawRequest(app: Server | RequestListener, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  const server = typeof app === 'function' ? createServer(app) : app;
  const wasListening = server.listening;
  if (!wasListening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<RawResponse>((resolve, reject) => {
      const sent = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      });
      sent.on('error', reject);
      sent.end();
    });
  } finally {
    if (!wasListening) await new Promise((resolve) => server.close(resolve));
  }
}
