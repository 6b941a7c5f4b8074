import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { access, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { messageOf } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';

/** Disk usage above this share of the volume marks the service down: writes would start failing. */
const DOWN_USED_SHARE = 0.95;
/** Less free space than this is a warning (degraded), as the old backend's health said. */
const LOW_FREE_BYTES = 1024 ** 3;

/**
 * `disk`: the volume of IMAGE_STORAGE_DIR, with its free space; with images in a bucket
 * (STORAGE_DRIVER=s3), the volume of BACKUP_DIR, where the local files still go.
 */
@Injectable()
export class DiskSpaceIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly config: AppConfig,
  ) {}

  async check() {
    const check = this.indicators.check('disk');
    const { dir, name } = this.config.storage.driver === 'fs' ? { dir: this.config.storage.dir, name: 'IMAGE_STORAGE_DIR' } : { dir: this.config.backup.dir, name: 'BACKUP_DIR' };
    try {
      const stats = await statfs(await nearestExisting(dir));
      const freeBytes = stats.bavail * stats.bsize;
      const usedShare = 1 - stats.bavail / stats.blocks;
      const details = { freeGb: Math.round((freeBytes / 1024 ** 3) * 100) / 100, usedPercent: Math.round(usedShare * 1000) / 10 };
      if (usedShare >= DOWN_USED_SHARE) return check.down({ ...details, message: `The disk of ${name} is ${details.usedPercent}% full` });
      if (freeBytes < LOW_FREE_BYTES) return check.degraded({ ...details, message: `Less than 1 GB free on the disk of ${name}` });
      return check.up(details);
    } catch (error) {
      return check.down({ message: `${name} cannot be checked: ${messageOf(error)}` });
    }
  }
}

/** The folder itself, or the closest parent that exists (a folder made on first use lives on its parent's disk). */
async function nearestExisting(dir: string): Promise<string> {
  for (let candidate = dir; ; candidate = dirname(candidate)) {
    const exists = await access(candidate).then(
      () => true,
      () => false,
    );
    if (exists || dirname(candidate) === candidate) return candidate;
  }
}
