import { Injectable } from '@nestjs/common';
import { Clock } from './clock.js';

/** When this service started, by the service's clock: its uptime, without a second source of time. */
@Injectable()
export class ServiceStart {
  readonly at: Date;

  constructor(private readonly clock: Clock) {
    this.at = clock.now();
  }

  uptimeMs(): number {
    return this.clock.now().getTime() - this.at.getTime();
  }
}
