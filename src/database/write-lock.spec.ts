import { WriteLock } from './write-lock.js';

describe('WriteLock', () => {
  it('runs work one at a time, in order, even when one fails', async () => {
    const lock = new WriteLock();
    const events: string[] = [];
    const step = (name: string, fail = false) => async () => {
      events.push(`${name}:start`);
      await new Promise(setImmediate); // yield to whatever else is queued: nothing may run meanwhile
      events.push(`${name}:end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run(step('a')), lock.run(step('b', true)), lock.run(step('c'))]);
    expect(events).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
