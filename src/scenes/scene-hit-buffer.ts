export interface PendingHits {
  hits: number;
  lastHitAt: Date;
}

/** What a flush writes: hits per entry, and misses for the cache's counter. */
export interface PendingCounts {
  hits: Map<string, PendingHits>;
  misses: number;
}

/**
 * Scene hits (and misses that joined another request's generation) counted in memory and
 * written in batches: a write per request would cost more than a hit itself. Callers flush on a timer, before reading stats, and at shutdown, so at
 * most one interval of counts is lost if the process is killed.
 */
export class SceneHitBuffer {
  private pending = new Map<string, PendingHits>();
  private misses = 0;

  add(cacheKey: string, at: Date): void {
    const entry = this.pending.get(cacheKey);
    if (entry) {
      entry.hits++;
      entry.lastHitAt = at;
    } else {
      this.pending.set(cacheKey, { hits: 1, lastHitAt: at });
    }
  }

  addMiss(): void {
    this.misses++;
  }

  pendingFor(cacheKey: string): number {
    return this.pending.get(cacheKey)?.hits ?? 0;
  }

  get isEmpty(): boolean {
    return this.pending.size === 0 && this.misses === 0;
  }

  /** Hands over everything counted so far and starts afresh. */
  take(): PendingCounts {
    const taken = { hits: this.pending, misses: this.misses };
    this.pending = new Map();
    this.misses = 0;
    return taken;
  }

  /** Puts back counts a flush could not write, so they are tried again. */
  restore(counts: PendingCounts): void {
    for (const [cacheKey, { hits, lastHitAt }] of counts.hits) {
      const entry = this.pending.get(cacheKey);
      if (entry) entry.hits += hits;
      else this.pending.set(cacheKey, { hits, lastHitAt });
    }
    this.misses += counts.misses;
  }
}
