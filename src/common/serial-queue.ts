/** Runs work one piece at a time, in call order; a failure does not stop the pieces behind it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Pieces running or waiting: lets a test see that work is queued without guessing how long it takes. */
  get pending(): number {
    return this.queued;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail.then(work).finally(() => this.queued--);
    // The next piece waits for this one whether it succeeds or fails.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
