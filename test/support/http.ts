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
