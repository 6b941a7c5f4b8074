import { SingleFlight } from './single-flight.js';

describe('SingleFlight', () => {
  it('shares one run between concurrent callers of a key, and starts anew afterwards', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const work = async () => {
      runs++;
      await gate;
      return runs;
    };
    const first = flight.run('k', work);
    const second = flight.run('k', work);
    const other = flight.run('other', work);
    expect([first.joined, second.joined, other.joined]).toEqual([false, true, false]);
    release();
    expect(await Promise.all([first.result, second.result])).toEqual([2, 2]);
    await other.result;
    expect(runs).toBe(2);

    const later = flight.run('k', async () => 42);
    expect(later.joined).toBe(false);
    expect(await later.result).toBe(42);
  });

  it('gives every waiter the same failure, then lets the key run again', async () => {
    const flight = new SingleFlight<string>();
    const failing = flight.run('k', async () => {
      throw new Error('provider down');
    });
    const joined = flight.run('k', async () => 'never runs');
    await expect(failing.result).rejects.toThrow('provider down');
    await expect(joined.result).rejects.toThrow('provider down');
    expect(await flight.run('k', async () => 'ok').result).toBe('ok');
  });
});
