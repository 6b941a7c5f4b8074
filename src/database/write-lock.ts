import { Injectable } from '@nestjs/common';

/**
 * Serialises writes in this process. TypeORM's better-sqlite3 driver shares one query
 * runner, so two concurrent `transaction()` calls would interleave on it. Hold the lock
 * only around the database work: never around Gemini, sharp or the filesystem.
 */
@Injectable()
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The next writer waits for this one whether it succeeds or fails.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
