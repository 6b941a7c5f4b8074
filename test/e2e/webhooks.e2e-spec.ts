import { once } from 'node:events';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { JobDto } from '../../src/jobs/dto/job.dto.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * Webhooks through the real app (local provider) to a real receiver on loopback, which
 * WEBHOOK_ALLOWED_HOSTS lists by itself. Retries wait on the test's clock.
 */
const SECRET = 'webhook-test-secret-0123456789';
let t: TestApp;
let receiver: Server;
let receiverUrl: string;
let received: Array<{ headers: IncomingHttpHeaders; body: string }>;
/** What the receiver answers, one status per delivery; 204 once they run out. */
let answers: number[];
let deliveryArrived: (() => void) | undefined;

beforeAll(async () => {
  receiver = createServer((incoming, outgoing) => {
    let body = '';
    incoming.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    incoming.on('end', () => {
      received.push({ headers: incoming.headers, body });
      outgoing.writeHead(answers.shift() ?? 204).end();
      deliveryArrived?.();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/images`;
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,*.example.test', WEBHOOK_SECRET: SECRET, RATE_LIMIT_ENABLED: 'false' } });
});
afterAll(async () => {
  await t.close();
  receiver.close();
});
beforeEach(() => {
  received = [];
  answers = [];
});

const deliveries = (count: number) =>
  new Promise<void>((resolve) => {
    deliveryArrived = () => received.length >= count && resolve();
    deliveryArrived();
  });
const submit = (body: object) => request(t.server).post('/api/v2/images/generate').set('Prefer', 'respond-async').send(body);

it('POSTs the finished job to its callbackUrl, signed with WEBHOOK_SECRET (Standard Webhooks)', async () => {
  const accepted = await submit({ prompt: 'a herald with a scroll', callbackUrl: receiverUrl }).expect(202);
  await deliveries(1);
  const [{ headers, body }] = received;
  const job = JSON.parse(body) as JobDto;
  expect(job).toMatchObject({ id: accepted.body.id, status: 'succeeded', result: { prompt: 'a herald with a scroll' } });
  expect(headers['content-type']).toBe('application/json');
  expect(headers['webhook-id']).toBe(accepted.body.id);
  const timestamp = headers['webhook-timestamp'] as string;
  expect(Number(timestamp)).toBe(Math.floor(t.clock.now().getTime() / 1000));
  const expected = createHmac('sha256', SECRET).update(`${accepted.body.id}.${timestamp}.${body}`).digest('base64');
  expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  // Another body under that signature would not verify.
  expect(createHmac('sha256', SECRET).update(`${accepted.body.id}.${timestamp}.${body} `).digest('base64')).not.toBe(expected);
});

it('tries again with backoff when the receiver fails, and stops at a 4xx that says retrying will not help', async () => {
  answers = [503, 500];
  await submit({ prompt: 'a herald on a slow road', callbackUrl: receiverUrl }).expect(202);
  await deliveries(1);
  await waitUntil(() => t.clock.sleeping > 0);
  t.clock.advance(1_000);
  await deliveries(2);
  await waitUntil(() => t.clock.sleeping > 0);
  t.clock.advance(5_000);
  await deliveries(3);
  expect(received.map(({ headers }) => headers['webhook-id'])).toEqual(Array(3).fill(received[0].headers['webhook-id']));

  answers = [410];
  await submit({ prompt: 'a herald at a closed gate', callbackUrl: receiverUrl }).expect(202);
  await deliveries(4);
  const metrics = (await request(t.server).get('/metrics')).text;
  expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="retried"\} 2$/m);
  expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="delivered"\} 2$/m);
  expect(metrics).toMatch(/^webhook_deliveries_total\{outcome="refused"\} 1$/m);
});

it('refuses a callbackUrl whose host is not listed, one without Prefer: respond-async, and one that is not http(s)', async () => {
  const unlisted = await submit({ prompt: 'a herald', callbackUrl: 'http://127.0.0.2:9/hook' }).expect(400);
  expect(unlisted.body.message).toBe('callbackUrl: 127.0.0.2 is not in WEBHOOK_ALLOWED_HOSTS');
  const synchronous = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a herald', callbackUrl: receiverUrl }).expect(400);
  expect(synchronous.body.message).toBe('callbackUrl is for asynchronous requests: send Prefer: respond-async with it');
  const ftp = await submit({ prompt: 'a herald', callbackUrl: 'ftp://127.0.0.1/hook' }).expect(400);
  expect(ftp.body.message).toEqual(['callbackUrl must be an http(s) URL']);
  expect(received).toEqual([]);
});

