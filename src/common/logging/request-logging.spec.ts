import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { RequestLogging } from './request-logging.js';

/**
 * The middleware on a bare node:http server, over real sockets: what it gives a request and
 * the line it writes when the client hangs up before the answer (the e2e suite covers the
 * answered requests through the whole app).
 */
let lines: Record<string, unknown>[];
let lineWritten: (() => void) | undefined;
let logging: RequestLogging;
let server: Server;
let handle: (request: IncomingMessage, response: ServerResponse) => void;

beforeEach(async () => {
  lines = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      lineWritten?.();
      done();
    },
  });
  logging = new RequestLogging({ level: 'info', format: 'json' }, capture);
  server = createServer((request, response) => logging.middleware(request, response, () => handle(request, response)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
afterEach(() => {
  server.closeAllConnections();
  server.close();
});

const urlOf = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
/** Resolves once `count` lines are written in all (lines may come faster than a promise's continuation). */
const linesWritten = (count: number) =>
  new Promise<void>((resolve) => {
    lineWritten = () => {
      if (lines.length >= count) resolve();
    };
    lineWritten();
  });

it('gives the request a logger whose lines carry its id, and closes with one line', async () => {
  handle = (request, response) => {
    (request as IncomingMessage & { log: Logger }).log.info('inside the request');
    response.end('ok');
  };
  const closing = linesWritten(2);
  const response = await fetch(urlOf('/dice?d=20'), { headers: { 'X-Request-Id': 'table-3' } });
  expect(response.headers.get('x-request-id')).toBe('table-3');
  await closing;
  expect(lines).toEqual([
    expect.objectContaining({ requestId: 'table-3', msg: 'inside the request' }),
    expect.objectContaining({ requestId: 'table-3', method: 'GET', url: '/dice?d=20', status: 200, msg: expect.stringMatching(/^GET \/dice\?d=20 200 \d+ ms$/) }),
  ]);
});

it('writes the closing line when the client gives up before the answer', async () => {
  let arrived!: () => void;
  const handled = new Promise<void>((resolve) => (arrived = resolve));
  handle = () => arrived(); // never answers, as a generation the client stopped waiting for
  const client = get(urlOf('/slow'));
  client.on('error', () => undefined); // the hang-up below is on purpose
  await handled;
  const closing = linesWritten(1);
  client.destroy();
  await closing;
  expect(lines).toEqual([expect.objectContaining({ url: '/slow', msg: expect.stringMatching(/^GET \/slow abandoned by the client after \d+ ms$/) })]);
});
