import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { METRICS } from '../common/metrics/metric-names.js';
import { ReplicaEvents } from '../redis/replica-events.js';
import { HotSceneCache } from './hot-scene-cache.js';
import { SceneHitBuffer } from './scene-hit-buffer.js';
import { ScenesRepository } from './scenes.repository.js';

/** How often buffered hit counts are written. */
const HIT_FLUSH_INTERVAL_MS = 1000;

/**
 * Counts how scene requests were answered: in /metrics at once, and in the database's
 * counters through a buffer written each second (a write per hit would cost more than the
 * hit). A clear resets the counters: what was counted before it must not be written after,
 * so a request takes a `snapshot()` before reading and its hit counts only if no clear came
 * in between.
 */
@Injectable()
export class SceneHitCounter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SceneHits');
  private readonly buffer = new SceneHitBuffer();
  private generation = 0;
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly repository: ScenesRepository,
    private readonly hot: HotSceneCache,
    private readonly replicaEvents: ReplicaEvents,
    @InjectMetric(METRICS.sceneCacheRequests) private readonly requests: Counter<'result'>,
    @InjectMetric(METRICS.sceneSingleFlightJoins) private readonly joins: Counter,
  ) {}

  onModuleInit(): void {
    this.replicaEvents.on('scene-cache-cleared', ({ itemId }) => {
      if (itemId === undefined) this.reset(); // one item's entries went: the counters stay
    });
    this.flushTimer = setInterval(() => void this.flush(), HIT_FLUSH_INTERVAL_MS).unref();
  }

  /** Before the database closes: the last buffered hits are written. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flush();
  }

  snapshot(): number {
    return this.generation;
  }

  /** A request answered from the cache; answers the entry's hits counted so far, this one included. */
  hit(cacheKey: string, at: Date, snapshot: number, persistedHits: number): number {
    if (snapshot === this.generation) this.buffer.add(cacheKey, at);
    this.requests.inc({ result: 'hit' });
    return persistedHits + this.buffer.pendingFor(cacheKey);
  }

  /** A request answered by generating; `joined` when it shared another request's generation (which counted its own miss). */
  miss(joined: boolean): void {
    if (joined) {
      this.joins.inc();
      this.buffer.addMiss();
    }
    this.requests.inc({ result: 'miss' });
  }

  /** The counters were reset: what was counted before must not be written. */
  reset(): void {
    this.generation++;
    this.buffer.take();
  }

  /** Writes the buffered counts. Hits count as persisted at once, so no answer's hitCount dips meanwhile. */
  async flush(): Promise<void> {
    if (this.buffer.isEmpty) return;
    const counts = this.buffer.take();
    const generation = this.generation;
    for (const [cacheKey, { count }] of counts.hits) this.hot.addPersistedHits(cacheKey, count);
    try {
      // Counted against entries and counters a clear has since reset: dropped, not written.
      await this.repository.recordCounts(counts, () => generation === this.generation);
    } catch (error) {
      for (const [cacheKey, { count }] of counts.hits) this.hot.addPersistedHits(cacheKey, -count);
      if (generation === this.generation) this.buffer.restore(counts);
      this.logger.error(`Could not record scene hits, will retry: ${String(error)}`);
    }
  }
}
