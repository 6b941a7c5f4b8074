/**
 * Runs one piece of work per key at a time: callers that arrive while it runs get the
 * same promise (the same result, or the same error) instead of starting their own.
 * In-process; ReplicaFlights does the same across replicas.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** `joined` is true when this caller shares work another caller started. */
  run(key: string, work: () => Promise<T>): { result: Promise<T>; joined: boolean } {
    const running = this.inFlight.get(key);
    if (running) return { result: running, joined: true };
    const result = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, result);
    return { result, joined: false };
  }
}
