import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;

beforeAll(async () => {
  // TRUST_PROXY unset: X-Forwarded-For is the client's own claim, and must not buy a fresh limit.
  t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'true', MAX_REQUESTS_PER_MINUTE: '2' } });
});
afterAll(() => t.close());

it('keys on the connection, not on X-Forwarded-For, unless TRUST_PROXY says the proxy is trusted', async () => {
  const generate = (forwardedFor: string) =>
    request(t.server).post('/api/v2/images/generate').set('X-Forwarded-For', forwardedFor).send({ prompt: 'a mimic posing as a chest' });
  await generate('203.0.113.10').expect(201);
  await generate('203.0.113.11').expect(201);
  await generate('203.0.113.12').expect(429);
});
