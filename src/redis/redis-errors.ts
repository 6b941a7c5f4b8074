import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { messageOf, UpstreamUnavailableError } from '../common/errors.js';

/** How soon a client may retry when Redis is out of reach (ioredis keeps reconnecting). */
const RETRY_AFTER_SECONDS = 5;
/** While Redis is down ioredis reports every reconnect attempt; one line per this is enough. */
const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Redis out of reach means shared limits and locks cannot be checked: the request is refused
 * (503, Retry-After) rather than let through unlimited or failed as a 500.
 */
export function redisUnavailable(error: unknown): UpstreamUnavailableError {
  const reason = messageOf(error);
  return new UpstreamUnavailableError(
    `Redis (REDIS_URL) cannot be reached, so shared rate limits and locks cannot be checked; try again in ${RETRY_AFTER_SECONDS} s (${reason})`,
    RETRY_AFTER_SECONDS,
  );
}

/** Runs a Redis command, turning a connection failure into `redisUnavailable`. */
export async function viaRedis<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw redisUnavailable(error);
  }
}

/** Logs a connection's errors, at most one line per interval, instead of ioredis's unhandled-error noise. */
export function logConnectionErrors(client: Redis, logger: Logger, what: string): void {
  let lastLoggedAt = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLoggedAt < ERROR_LOG_INTERVAL_MS) return;
    lastLoggedAt = now;
    logger.error(`${what}: ${error.message} (reconnecting; shared limits and locks answer 503 meanwhile)`);
  });
}
