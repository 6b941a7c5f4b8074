import { Logger } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
const warnings: string[] = [];

beforeAll(async () => {
  // The test app logs errors only, so catch the boot warning on its way in.
  const warn = Logger.prototype.warn;
  Logger.prototype.warn = function (this: Logger, message: unknown, ...rest: unknown[]) {
    warnings.push(String(message));
    return warn.call(this, message, ...rest);
  };
  try {
    t = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'false', MAX_REQUESTS_PER_MINUTE: '1', SCENE_REQUESTS_PER_MINUTE: '1' } });
  } finally {
    Logger.prototype.warn = warn;
  }
});
afterAll(() => t.close());

describe('RATE_LIMIT_ENABLED=false', () => {
  it('says so once at boot', () => {
    expect(warnings.filter((message) => message.includes('RATE_LIMIT_ENABLED=false'))).toHaveLength(1);
  });

  it('never answers 429 and sends no rate-limit headers', async () => {
    for (let i = 0; i < 5; i++) {
      const image = await request(t.server).post('/api/v2/images/generate').send({ prompt: `a gelatinous cube, take ${i}` }).expect(201);
      const scene = await request(t.server).post('/api/v2/scenes/generate').send({ description: 'an abandoned watchtower' }).expect(200);
      for (const response of [image, scene]) {
        expect(Object.keys(response.headers).filter((name) => /ratelimit|retry-after/i.test(name))).toEqual([]);
      }
    }
  });
});
