import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeIf } from './describe-if.js';

/** TEST_REDIS_URL, e.g. redis://127.0.0.1:6379 (.ci/run sets it when Redis answers). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;

export const REDIS_SKIP_REASON = 'skipped: set TEST_REDIS_URL=redis://127.0.0.1:6379 to run';

/** `describe` when TEST_REDIS_URL is set; otherwise the suite is skipped and says why. */
export const describeWithRedis = (name: string, body: () => void): void => describeIf(TEST_REDIS_URL !== undefined, name, REDIS_SKIP_REASON, body);


export function requireTestRedisUrl(): string {
  if (!TEST_REDIS_URL) throw new Error(`This test needs Redis: ${REDIS_SKIP_REASON.replace('skipped: ', '')}`);
  return TEST_REDIS_URL;
}

/** Deletes a test's keys (a client of its own, closed after). */
export async function dropTestKeys(keyPrefix: string): Promise<void> {
  const client = testRedis(keyPrefix);
  await client.drop();
}

/** A key prefix no other test file uses, so files can share one Redis. */
export function uniqueKeyPrefix(): string {
  return `test-${randomBytes(6).toString('hex')}:`;
}

/** A client on TEST_REDIS_URL under `keyPrefix`; `drop()` deletes the prefix's keys and disconnects. */
export function testRedis(keyPrefix: string): Redis & { drop(): Promise<void> } {
  const client = new Redis(requireTestRedisUrl(), { keyPrefix, maxRetriesPerRequest: 1 });
  return Object.assign(client, {
    async drop() {
      await dropKeys(client, keyPrefix);
      client.disconnect();
    },
  });
}

/** Deletes every key under `keyPrefix` (SCAN ignores ioredis's keyPrefix, so match on it). */
async function dropKeys(client: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
    cursor = next;
    // The client adds its prefix again, so strip it first.
    if (keys.length > 0) await client.del(...keys.map((key) => key.slice(keyPrefix.length)));
  } while (cursor !== '0');
}
