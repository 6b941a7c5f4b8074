import type { ImageEntity } from '../images/image.entity.js';
import { type ReplicaEventMap, ReplicaEvents } from '../redis/replica-events.js';
import { HOT_SCENE_LIMIT, HOT_SCENE_TTL_MS, HotSceneCache } from './hot-scene-cache.js';
import { SceneHitBuffer } from './scene-hit-buffer.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);
const scene = (cacheKey: string, imageId = `img-${cacheKey}`, overrides = {}) => ({
  cacheKey,
  expiresAt: later(120_000),
  hitCount: 0,
  image: { id: imageId } as ImageEntity,
  ...overrides,
});

/** Replica events a test can deliver, as if another replica had published them. */
class DeliveredEvents extends ReplicaEvents {
  readonly handlers: Array<(payload: ReplicaEventMap['scene-cache-cleared']) => void> = [];
  publish(): void {}
  on(_type: string, handler: (payload: never) => void): void {
    this.handlers.push(handler as (payload: ReplicaEventMap['scene-cache-cleared']) => void);
  }
}

function setup() {
  const events = new DeliveredEvents();
  const hot = new HotSceneCache(events);
  hot.onModuleInit();
  return { hot, changeImages: (ids: string[]) => hot.onImagesChanged({ ids, removed: false }), events };
}

describe('HotSceneCache', () => {
  it('answers until revalidation or expiry, whichever comes first, by the clock it is given', () => {
    const { hot } = setup();
    hot.remember(hot.snapshot(), scene('a'), NOW);
    hot.remember(hot.snapshot(), scene('b', 'img-b', { expiresAt: later(2_000) }), NOW);
    expect(hot.get('a', later(HOT_SCENE_TTL_MS - 1))).toBeDefined();
    expect(hot.get('a', later(HOT_SCENE_TTL_MS))).toBeUndefined();
    expect(hot.get('b', later(1_999))).toBeDefined();
    expect(hot.get('b', later(2_000))).toBeUndefined();
  });

  it('drops the least recently used beyond its bound', () => {
    const { hot } = setup();
    for (let index = 0; index < HOT_SCENE_LIMIT; index++) hot.remember(hot.snapshot(), scene(`s${index}`), NOW);
    hot.get('s0', NOW); // used: s1 is now the least recently used
    hot.remember(hot.snapshot(), scene('new'), NOW);
    expect(hot.get('s1', NOW)).toBeUndefined();
    expect(hot.get('s0', NOW)).toBeDefined();
    expect(hot.get('new', NOW)).toBeDefined();
  });

  it('does not remember what was read before an image changed or another replica cleared', () => {
    const { hot, changeImages, events } = setup();
    const beforeChange = hot.snapshot();
    changeImages(['img-x']);
    hot.remember(beforeChange, scene('a'), NOW);
    expect(hot.get('a', NOW)).toBeUndefined();

    hot.remember(hot.snapshot(), scene('b'), NOW);
    const beforeClear = hot.snapshot();
    events.handlers.forEach((handler) => handler({}));
    expect(hot.get('b', NOW)).toBeUndefined();
    hot.remember(beforeClear, scene('c'), NOW);
    expect(hot.get('c', NOW)).toBeUndefined();
  });

  it('forgets entries whose image changed, and counts persisted hits on what it holds', () => {
    const { hot, changeImages } = setup();
    hot.remember(hot.snapshot(), scene('a', 'img-1'), NOW);
    hot.remember(hot.snapshot(), scene('b', 'img-2'), NOW);
    changeImages(['img-1']);
    expect(hot.get('a', NOW)).toBeUndefined();
    hot.addPersistedHits('b', 3);
    hot.addPersistedHits('missing', 3);
    expect(hot.get('b', NOW)?.hitCount).toBe(3);
    hot.forgetAll();
    expect(hot.get('b', NOW)).toBeUndefined();
  });
});

describe('SceneHitBuffer', () => {
  it('counts per key with the last hit time, and hands everything over on take', () => {
    const buffer = new SceneHitBuffer();
    expect(buffer.isEmpty).toBe(true);
    buffer.add('a', later(1));
    buffer.add('a', later(2));
    buffer.add('b', later(3));
    expect(buffer.pendingFor('a')).toBe(2);
    buffer.addMiss();
    const taken = buffer.take();
    expect(taken.misses).toBe(1);
    expect([...taken.hits]).toEqual([
      ['a', { count: 2, lastAt: later(2) }],
      ['b', { count: 1, lastAt: later(3) }],
    ]);
    expect(buffer.isEmpty).toBe(true);
    expect(buffer.pendingFor('a')).toBe(0);

    buffer.add('a', later(4));
    buffer.restore(taken); // a failed flush puts its counts back
    expect(buffer.pendingFor('a')).toBe(3);
    expect(buffer.take().misses).toBe(1);
  });
});
