import { setTimeout as delay } from 'node:timers/promises';

/** Time as a dependency, so tests can stand still or jump ahead without sleeping. */
export abstract class Clock {
  abstract now(): Date;
  /** Resolves once `ms` of this clock's time have passed; rejects (AbortError) when `signal` aborts first. */
  abstract sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await delay(ms, undefined, { signal });
  }
}
