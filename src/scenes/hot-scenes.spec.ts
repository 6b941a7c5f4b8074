import type { ImageEntity } from '../images/image.entity.js';
import { HotScenes } from './hot-scenes.js';
import { SceneHitBuffer } from './scene-hit-buffer.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const scene = (cacheKey: string, imageId = `img-${cacheKey}`, overrides = {}) => ({
  cacheKey,
  expiresAt: new Date(NOW.getTime() + 10_000),
  hitCount: 0,
  image: { id: imageId } as ImageEntity,
  revalidateAt: NOW.getTime() + 5_000,
  ...overrides,
});
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('HotScenes', () => {
  it('answers until revalidation or expiry, whichever comes first', () => {
    const hot = new HotScenes(10);
    hot.set(scene('a'));
    hot.set(scene('b', 'img-b', { expiresAt: later(2_000) }));
    expect(hot.get('a', later(4_999))).toBeDefined();
    expect(hot.get('a', later(5_000))).toBeUndefined();
    expect(hot.get('b', later(1_999))).toBeDefined();
    expect(hot.get('b', later(2_000))).toBeUndefined();
  });

  it('drops the least recently used beyond its bound', () => {
    const hot = new HotScenes(2);
    hot.set(scene('a'));
    hot.set(scene('b'));
    hot.get('a', NOW);
    hot.set(scene('c'));
    expect(hot.get('b', NOW)).toBeUndefined();
    expect(hot.get('a', NOW)).toBeDefined();
    expect(hot.get('c', NOW)).toBeDefined();
  });

  it('forgets entries whose image was deleted, adds persisted hits, and clears', () => {
    const hot = new HotScenes(10);
    hot.set(scene('a', 'img-1'));
    hot.set(scene('b', 'img-2'));
    hot.forgetImages(['img-1']);
    expect(hot.get('a', NOW)).toBeUndefined();
    hot.addPersistedHits('b', 3);
    hot.addPersistedHits('missing', 3);
    expect(hot.get('b', NOW)?.hitCount).toBe(3);
    hot.clear();
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
