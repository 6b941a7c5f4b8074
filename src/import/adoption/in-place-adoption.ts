import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { AppConfig } from '../../config/app-config.js';
import { finishAdoption, pendingAdoption, SET_ASIDE_SCENES_TABLE } from '../../database/legacy-schema.js';
import { LegacyAdoption, type AdoptionReport } from './legacy-adoption.service.js';
import { LegacyDatabase } from './legacy-database.js';

/**
 * The second half of an upgrade in place (the first, before migrations, is
 * setAsideLegacyTables): once the application is up, and before it listens, the old rows
 * are adopted and the upgrade is marked done. A run stopped part way is finished by the next
 * boot. Nothing to adopt costs one look at the table names.
 */
@Injectable()
export class InPlaceAdoption implements OnApplicationBootstrap {
  private readonly logger = new Logger('Adoption');

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly adoption: LegacyAdoption,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const pending = await pendingAdoption(this.dataSource);
    if (!pending || this.config.database.driver !== 'sqlite') return;
    const { path } = this.config.database;
    this.logger.log(`Adopting the old backend's images and scenes from ${path} (backup: ${pending.backupFile})`);
    const database = new LegacyDatabase(path, SET_ASIDE_SCENES_TABLE);
    try {
      const report = await this.adoption.adopt({ database, folder: dirname(path) }, { dryRun: false });
      await finishAdoption(this.dataSource, pending.id, this.clock.now(), report);
      this.logger.log(describeAdoption(report));
      for (const { id, reason } of report.images.notAdopted) this.logger.warn(`Old image ${id} not adopted: ${reason}`);
    } finally {
      database.close();
    }
  }
}

/** One line for the log and the CLI. */
export function describeAdoption(report: AdoptionReport): string {
  const { images, scenes } = report;
  const verb = report.dryRun ? 'Would adopt' : 'Adopted';
  const parts = [
    `${verb} ${images.adopted} of ${images.total} images (${images.alreadyAdopted} already here, ${images.notAdopted.length} not adoptable, ${images.renumbered.length} renumbered)`,
    `${scenes.adopted} of ${scenes.total} scene entries (${scenes.alreadyAdopted} already here, ${scenes.notAdopted.length} not adoptable)`,
  ];
  return parts.join(' and ');
}
