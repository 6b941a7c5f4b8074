export interface PendingHits {
  hits: number;
  lastHitAt: Date;
}

/**
 * Scene hits counted in memory and written in batches: four writes per hit would cost more
 * than the hit itself. Callers flush on a timer, before reading stats, and at shutdown, so at
 * most one interval of counts is lost if the process is killed.
 */
export class SceneHitBuffer {
  private pending = new Map<string, PendingHits>();

  add(cacheKey: string, at: Date): void {
    const entry = this.pending.get(cacheKey);
    if (entry) {
      entry.hits++;
      entry.lastHitAt = at;
    } else {
      this.pending.set(cacheKey, { hits: 1, lastHitAt: at });
    }
  }

  pendingFor(cacheKey: string): number {
    return this.pending.get(cacheKey)?.hits ?? 0;
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** Hands over everything counted so far and starts afresh. */
  take(): Map<string, PendingHits> {
    const taken = this.pending;
    this.pending = new Map();
    return taken;
  }
}
