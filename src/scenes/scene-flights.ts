import { Injectable } from '@nestjs/common';
import { SingleFlight } from '../common/single-flight.js';
import { type FlightOutcome, type FlightWork, ReplicaFlights } from './replica-flights.js';
import type { SceneResult } from './scenes.service.js';

/**
 * One generation per scene key: identical requests in this process share one flight
 * (SingleFlight), and that flight is shared with the other replicas (ReplicaFlights).
 */
@Injectable()
export class SceneFlights {
  private readonly here = new SingleFlight<FlightOutcome<SceneResult>>();

  constructor(private readonly replicas: ReplicaFlights) {}

  /** `joined` when this request shared a flight another request started, here or on another replica. */
  async run(cacheKey: string, work: FlightWork<SceneResult>): Promise<FlightOutcome<SceneResult>> {
    const flight = this.here.run(cacheKey, () => this.replicas.run(cacheKey, work));
    const { result, joined } = await flight.result;
    return { result, joined: flight.joined || joined };
  }
}
