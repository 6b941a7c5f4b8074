import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { viaRedis } from '../redis/redis-errors.js';

export interface Reservation {
  /** Reservations held by others when this one was made. */
  othersInFlight: number;
  /** Ends the reservation; safe to call more than once. */
  release(): void;
}

/**
 * Gemini images being drawn right now, which the daily cap counts before they reach the
 * database. In one process a counter; across replicas a set in Redis.
 */
export abstract class GeminiReservations {
  abstract reserve(): Promise<Reservation>;
}

export class InProcessReservations extends GeminiReservations {
  private inFlight = 0;

  async reserve(): Promise<Reservation> {
    const othersInFlight = this.inFlight++;
    return { othersInFlight, release: once(() => this.inFlight--) };
  }
}

// Entries are scored by when they lapse, so a replica that died mid-generation stops
// holding a place once its generation could no longer be running.
const RESERVE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local others = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return others
`;

export class RedisReservations extends GeminiReservations {
  private readonly logger = new Logger('GeminiDailyCap');
  private readonly key = 'gemini-reservations';

  constructor(
    private readonly redis: Redis,
    /** The longest a generation can take, retries included. */
    private readonly lapseAfterMs: number,
  ) {
    super();
  }

  async reserve(): Promise<Reservation> {
    const id = randomUUID();
    const othersInFlight = Number(await viaRedis(() => this.redis.eval(RESERVE, 1, this.key, id, this.lapseAfterMs)));
    return {
      othersInFlight,
      release: once(() => {
        this.redis.zrem(this.key, id).catch((error: unknown) => this.logger.warn(`Reservation ${id} lapses on its own: ${String(error)}`));
      }),
    };
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
