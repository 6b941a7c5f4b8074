import { ManualClock } from '../../../test/support/clock.js';
import { SlidingWindowThrottlerStorage } from './sliding-window.storage.js';

describe('SlidingWindowThrottlerStorage', () => {
  const clock = new ManualClock();
  const storage = new SlidingWindowThrottlerStorage(clock);
  const hit = (key = 'client', limit = 3) => storage.increment(key, 60_000, limit, 0, 'images');

  it('counts up to the limit, refuses past it without counting the refusal, and says when a slot frees', async () => {
    const records = [];
    for (let i = 0; i < 5; i++) {
      records.push(await hit('a'));
      clock.advance(10_000);
    }
    expect(records.map((record) => record.isBlocked)).toEqual([false, false, false, true, true]);
    expect(records.map((record) => record.totalHits)).toEqual([1, 2, 3, 4, 4]);
    expect(records[3].timeToBlockExpire).toBe(30); // the first request counts until 60 s
    expect(records[4].timeToBlockExpire).toBe(20);
  });

  it('slides: each request frees its slot a window after it was made', async () => {
    await hit('b', 2);
    clock.advance(30_000);
    await hit('b', 2);
    expect((await hit('b', 2)).isBlocked).toBe(true);
    clock.advance(30_000); // the first has left the window, the second has not
    expect((await hit('b', 2)).isBlocked).toBe(false);
    expect((await hit('b', 2)).isBlocked).toBe(true);
  });

  it('keeps clients and named limits apart', async () => {
    expect((await storage.increment('c', 60_000, 1, 0, 'images')).isBlocked).toBe(false);
    expect((await storage.increment('c', 60_000, 1, 0, 'scenes')).isBlocked).toBe(false);
    expect((await storage.increment('d', 60_000, 1, 0, 'images')).isBlocked).toBe(false);
    expect((await storage.increment('c', 60_000, 1, 0, 'images')).isBlocked).toBe(true);
  });
});
