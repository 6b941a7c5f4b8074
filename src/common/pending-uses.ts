/** How often, and when last, something was used, since the last write. */
export interface PendingUse {
  count: number;
  lastAt: Date;
}

/**
 * Uses of things (scene entries hit, images fetched) counted in memory and written in
 * batches: a write per request would cost more than answering it. The owner flushes on a
 * timer and at shutdown, so at most one interval of counts is lost if the process is killed.
 */
export class PendingUses<Key> {
  private pending = new Map<Key, PendingUse>();

  add(key: Key, at: Date): void {
    const use = this.pending.get(key);
    if (use) {
      use.count++;
      use.lastAt = at;
    } else {
      this.pending.set(key, { count: 1, lastAt: at });
    }
  }

  pendingFor(key: Key): number {
    return this.pending.get(key)?.count ?? 0;
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /** Hands over everything counted so far and starts afresh. */
  take(): Map<Key, PendingUse> {
    const taken = this.pending;
    this.pending = new Map();
    return taken;
  }

  /** Puts back counts a flush could not write, so they are tried again. */
  restore(uses: Map<Key, PendingUse>): void {
    for (const [key, { count, lastAt }] of uses) {
      const use = this.pending.get(key);
      if (use) use.count += count;
      else this.pending.set(key, { count, lastAt });
    }
  }
}
