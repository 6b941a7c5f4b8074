import { Logger } from '@nestjs/common';
import request from 'supertest';
import { RETIRED_MODEL_RECHECK_MS } from '../../src/generation/gemini-model-chain.js';
import type { FakeGeminiServer } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import type { TestApp } from '../support/test-app.js';

// GEMINI_MODEL is a chain: Google retiring the first model must cost players nothing.
const [PRO, FLASH] = ['gemini-3-pro-image', 'gemini-3.1-flash-image'];
const warnings: string[] = [];
const warn = Logger.prototype.warn;
let t: TestApp;
let gemini: FakeGeminiServer;

beforeAll(async () => {
  // The test app logs errors only: catch warnings on their way in.
  Logger.prototype.warn = function (this: Logger, message: unknown, ...rest: unknown[]) {
    warnings.push(String(message));
    return warn.call(this, message, ...rest);
  };
  ({ t, gemini } = await createGeminiTestApp({ GEMINI_MODEL: `${PRO},${FLASH}`, GEMINI_PRICES: `${PRO}=0.2` }));
});
afterAll(async () => {
  Logger.prototype.warn = warn;
  await t.close();
  await gemini.close();
});

const generate = (prompt: string) => request(t.server).post('/api/v2/images/generate').send({ prompt });
const geminiHealth = async () => (await request(t.server).get('/health').expect(200)).body.details.gemini;

it('uses the first model while it answers, and says so in /health', async () => {
  expect((await generate('a storm giant').expect(201)).body.model).toBe(PRO);
  expect(await geminiHealth()).toEqual({ status: 'up', model: PRO, models: [PRO, FLASH], retired: [] });
});

it('moves to the next model when Google retires the first: no 5xx, one warning, then only the next model is asked', async () => {
  gemini.retire(PRO);
  gemini.requests.length = 0;

  const answers = await Promise.all(['a lich', 'a wyvern', 'an owlbear'].map((prompt) => generate(prompt)));
  expect(answers.map((answer) => [answer.status, answer.body.model])).toEqual(Array(3).fill([201, FLASH]));
  expect(warnings.filter((message) => message.includes(`"${PRO}"`))).toHaveLength(1);
  expect(warnings.find((message) => message.includes(`"${PRO}"`))).toMatch(/probably been retired.*using "gemini-3.1-flash-image"; remove it from GEMINI_MODEL/);

  gemini.requests.length = 0;
  await generate('a beholder').expect(201);
  expect(gemini.requests.map((sent) => sent.model)).toEqual([FLASH]);
});

it('reports the retired model as degraded, not down', async () => {
  const response = await request(t.server).get('/health').expect(200);
  expect(response.body.status).toBe('degraded'); // as the old backend's health said it: ok | degraded | error
  expect(response.body.details.gemini).toEqual({
    status: 'degraded',
    model: FLASH,
    models: [PRO, FLASH],
    retired: [PRO],
    message: `Gemini answered "not found" for ${PRO}; using ${FLASH}. Update GEMINI_MODEL.`,
  });
});

it('counts calls and estimated spend per model in /metrics (GEMINI_PRICES over the built-in table)', async () => {
  const metrics = (await request(t.server).get('/metrics').expect(200)).text;
  const value = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
  expect(value(`gemini_calls_total{model="${PRO}",outcome="success"}`)).toBe(1);
  expect(value(`gemini_calls_total{model="${PRO}",outcome="retired"}`)).toBeGreaterThanOrEqual(1);
  expect(value(`gemini_calls_total{model="${FLASH}",outcome="success"}`)).toBe(4);
  expect(value(`gemini_estimated_spend_usd_total{model="${PRO}"}`)).toBeCloseTo(0.2);
  expect(value(`gemini_estimated_spend_usd_total{model="${FLASH}"}`)).toBeCloseTo(4 * 0.067);
});

it('tries the retired model again a day later (by the service’s clock)', async () => {
  gemini.reset(); // Google brought it back (or GEMINI_BASE_URL was fixed)
  t.clock.advance(RETIRED_MODEL_RECHECK_MS);
  expect((await generate('a kraken').expect(201)).body.model).toBe(PRO);
  expect((await geminiHealth()).status).toBe('up');
});

describe('a chain whose every model is retired', () => {
  let only: TestApp;
  let server: FakeGeminiServer;
  beforeAll(async () => {
    ({ t: only, gemini: server } = await createGeminiTestApp({ GEMINI_MODEL: FLASH }));
    server.retire(FLASH);
  });
  afterAll(async () => {
    await only.close();
    await server.close();
  });

  it('answers 503 naming the model and GEMINI_MODEL, stores nothing, and stays healthy but degraded', async () => {
    const response = await request(only.server).post('/api/v2/images/generate').send({ prompt: 'a forbidden ritual' }).expect(503);
    expect(response.body.message).toBe(
      `Gemini model "${FLASH}" is not available (it may have been retired); set GEMINI_MODEL to a current image model such as ${FLASH}.`,
    );
    expect(await only.storedFiles()).toEqual([]);
    // Asked again: no call is made, the chain is known to be empty.
    server.requests.length = 0;
    const again = await request(only.server).post('/api/v2/images/generate').send({ prompt: 'a forbidden ritual' }).expect(503);
    expect(again.body.message).toMatch(/^Every model in GEMINI_MODEL \(gemini-3.1-flash-image\) answered "not found"/);
    expect(server.requests).toEqual([]);
    const health = await request(only.server).get('/health').expect(200);
    expect(health.body.details.gemini).toMatchObject({ status: 'degraded', model: null, retired: [FLASH] });
  });
});
