import { Registry, Counter } from 'prom-client';
import { NoOtherReplicas } from '../redis/replica-events.js';
import type { HotSceneCache } from './hot-scene-cache.js';
import type { PendingCounts } from './scene-hit-buffer.js';
import { SceneHitCounter } from './scene-hit-counter.js';
import type { ScenesRepository } from './scenes.repository.js';

const AT = new Date('2026-01-01T00:00:00Z');

function setup(options: { writeFails?: boolean } = {}) {
  const written: PendingCounts[] = [];
  const persisted = new Map<string, number>();
  let onWrite: (() => void) | undefined;
  const repository = {
    recordCounts: async (counts: PendingCounts, stillValid: () => boolean) => {
      onWrite?.();
      if (options.writeFails) throw new Error('SQLITE_BUSY');
      if (stillValid()) written.push(counts);
    },
  } as unknown as ScenesRepository;
  const hot = { addPersistedHits: (key: string, hits: number) => persisted.set(key, (persisted.get(key) ?? 0) + hits) } as unknown as HotSceneCache;
  const registry = new Registry();
  const requests = new Counter({ name: 'requests', help: 'h', labelNames: ['result'], registers: [registry] });
  const joins = new Counter({ name: 'joins', help: 'h', registers: [registry] });
  const counter = new SceneHitCounter(repository, hot, new NoOtherReplicas(), requests, joins);
  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
  return { counter, written, persisted, metric, duringWrite: (work: () => void) => (onWrite = work) };
}

describe('SceneHitCounter', () => {
  it('answers a hit’s count with the hits still buffered, and writes them in one flush', async () => {
    const { counter, written, persisted, metric } = setup();
    expect(counter.hit('k', AT, counter.snapshot(), 5)).toBe(6);
    expect(counter.hit('k', AT, counter.snapshot(), 5)).toBe(7);
    counter.miss(true);
    counter.miss(false);
    await counter.flush();
    expect(written).toEqual([{ hits: new Map([['k', { count: 2, lastAt: AT }]]), misses: 1 }]);
    expect(persisted.get('k')).toBe(2);
    expect((await metric('requests')).map((value) => [value.labels.result, value.value])).toEqual([['hit', 2], ['miss', 2]]);
    expect((await metric('joins'))[0].value).toBe(1);
  });

  it('does not count a hit read before a reset, nor write what a reset voided during the flush', async () => {
    const { counter, written, duringWrite } = setup();
    const before = counter.snapshot();
    counter.reset();
    counter.hit('k', AT, before, 0);
    await counter.flush();
    expect(written).toEqual([]);

    counter.hit('k', AT, counter.snapshot(), 0);
    duringWrite(() => counter.reset());
    await counter.flush();
    expect(written).toEqual([]);
  });

  it('keeps what a failed flush could not write, and gives the persisted hits back', async () => {
    const { counter, persisted } = setup({ writeFails: true });
    counter.hit('k', AT, counter.snapshot(), 0);
    await counter.flush();
    expect(persisted.get('k')).toBe(0);
    expect(counter.hit('k', AT, counter.snapshot(), 0)).toBe(2);
  });
});
