import { Clock } from '../../src/common/clock.js';

interface Sleeper {
  wakeAt: number;
  wake: () => void;
}

/** A clock that only moves when a test moves it; its sleepers wake as it passes their time. */
export class ManualClock extends Clock {
  private sleepers: Sleeper[] = [];

  constructor(private current = new Date('2026-01-01T00:00:00.000Z')) {
    super();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const sleeper: Sleeper = { wakeAt: this.current.getTime() + ms, wake: resolve };
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((other) => other !== sleeper);
        reject(signal.reason as Error);
      });
      this.sleepers.push(sleeper);
    });
  }

  /** Sleepers waiting now: a test can wait for code to go to sleep before moving time. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
    const now = this.current.getTime();
    const due = this.sleepers.filter((sleeper) => sleeper.wakeAt <= now);
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.wakeAt > now);
    for (const sleeper of due) sleeper.wake();
  }
}
