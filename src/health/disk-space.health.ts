import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { statfs } from 'node:fs/promises';
import { messageOf } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';

/** Disk usage above this share of the volume marks the service down: writes would start failing. */
const DOWN_USED_SHARE = 0.95;
/** Less free space than this is a warning (degraded), as the old backend's health said. */
const LOW_FREE_BYTES = 1024 ** 3;

/** `disk`: the volume of IMAGE_STORAGE_DIR, with its free space. */
@Injectable()
export class DiskSpaceIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly config: AppConfig,
  ) {}

  async check() {
    const check = this.indicators.check('disk');
    try {
      const stats = await statfs(this.config.storage.dir);
      const freeBytes = stats.bavail * stats.bsize;
      const usedShare = 1 - stats.bavail / stats.blocks;
      const details = { freeGb: Math.round((freeBytes / 1024 ** 3) * 100) / 100, usedPercent: Math.round(usedShare * 1000) / 10 };
      if (usedShare >= DOWN_USED_SHARE) return check.down({ ...details, message: `The disk of IMAGE_STORAGE_DIR is ${details.usedPercent}% full` });
      if (freeBytes < LOW_FREE_BYTES) return check.degraded({ ...details, message: 'Less than 1 GB free on the disk of IMAGE_STORAGE_DIR' });
      return check.up(details);
    } catch (error) {
      return check.down({ message: `IMAGE_STORAGE_DIR cannot be checked: ${messageOf(error)}` });
    }
  }
}
