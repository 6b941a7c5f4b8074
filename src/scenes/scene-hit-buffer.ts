import { type PendingUse, PendingUses } from '../common/pending-uses.js';

/** What a flush writes: hits per entry, and misses for the cache's counter. */
export interface PendingCounts {
  hits: Map<string, PendingUse>;
  misses: number;
}

/**
 * Scene hits (and misses that joined another request's generation) counted in memory and
 * written in batches (see PendingUses). Callers flush on a timer, before reading stats, and
 * at shutdown.
 */
export class SceneHitBuffer {
  private readonly hits = new PendingUses<string>();
  private misses = 0;

  add(cacheKey: string, at: Date): void {
    this.hits.add(cacheKey, at);
  }

  addMiss(): void {
    this.misses++;
  }

  pendingFor(cacheKey: string): number {
    return this.hits.pendingFor(cacheKey);
  }

  get isEmpty(): boolean {
    return this.hits.isEmpty && this.misses === 0;
  }

  /** Hands over everything counted so far and starts afresh. */
  take(): PendingCounts {
    const taken = { hits: this.hits.take(), misses: this.misses };
    this.misses = 0;
    return taken;
  }

  /** Puts back counts a flush could not write, so they are tried again. */
  restore(counts: PendingCounts): void {
    this.hits.restore(counts.hits);
    this.misses += counts.misses;
  }
}
