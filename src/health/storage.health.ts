import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { messageOf } from '../common/errors.js';
import { ImageStore } from '../storage/image-store.js';

/**
 * `storage`: with images in a bucket, the bucket answers and takes a write (a small object
 * put, read back and removed), with how long that took. On disk, `disk` says what matters.
 */
@Injectable()
export class ObjectStorageIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly store: ImageStore,
  ) {}

  get enabled(): boolean {
    return this.store.driver === 's3';
  }

  async check() {
    const check = this.indicators.check('storage');
    const started = performance.now();
    try {
      await this.store.probe();
      return check.up({ driver: this.store.driver, location: this.store.location, latencyMs: Math.round(performance.now() - started) });
    } catch (error) {
      return check.down({ driver: this.store.driver, location: this.store.location, message: `The bucket cannot be written: ${messageOf(error)}` });
    }
  }
}
