import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../config/app-config.js';

/**
 * Knows when shutdown began. On SIGTERM (what an orchestrator sends) requests are still served
 * for SHUTDOWN_DRAIN_MS while /health/ready answers 503, so a load balancer stops sending
 * before the server closes; a Ctrl-C (SIGINT) on a laptop quits at once.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private shuttingDown = false;

  constructor(private readonly config: AppConfig) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.shuttingDown = true;
    const drainMs = this.config.http.shutdownDrainMs;
    if (signal !== 'SIGTERM' || drainMs === 0) return;
    this.logger.log(`SIGTERM: not ready any more; serving for ${drainMs} ms before closing (SHUTDOWN_DRAIN_MS)`);
    await delay(drainMs);
  }
}
