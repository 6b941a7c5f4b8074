import { InProcessFlights, type FlightOutcome, type FlightWork, ReplicaFlights } from './replica-flights.js';
import { SceneFlights } from './scene-flights.js';
import type { SceneResult } from './scenes.service.js';

const result = { cacheKey: 'k' } as SceneResult;

/** Another replica already made it: every flight here joins. */
class JoiningReplicas extends ReplicaFlights {
  async run<T>(_key: string, work: FlightWork<T>): Promise<FlightOutcome<T>> {
    return { result: (await work.findStored())!, joined: true };
  }
}

describe('SceneFlights', () => {
  it('runs identical work in flight once: the first caller generates, the others join', async () => {
    let calls = 0;
    let release!: () => void;
    const work = {
      generate: async () => {
        calls++;
        await new Promise<void>((resolve) => (release = resolve));
        return result;
      },
      findStored: async () => undefined,
      checkFirst: true,
    };
    const flights = new SceneFlights(new InProcessFlights());
    const outcomes = [flights.run('k', work), flights.run('k', work)];
    release();
    expect(await Promise.all(outcomes)).toEqual([
      { result, joined: false },
      { result, joined: true },
    ]);
    expect(calls).toBe(1);
  });

  it('counts a result another replica made as joined', async () => {
    const flights = new SceneFlights(new JoiningReplicas());
    const outcome = await flights.run('k', { generate: async () => result, findStored: async () => result, checkFirst: true });
    expect(outcome).toEqual({ result, joined: true });
  });
});
