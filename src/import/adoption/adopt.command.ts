import { NestFactory } from '@nestjs/core';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AppModule } from '../../app.module.js';
import { Command, Option } from 'nest-commander';
import { CliCommand, CliEnvironment, CliFailure, CliOutput } from '../../cli/cli-support.js';
import { messageOf } from '../../common/errors.js';
import { describeAdoption } from './in-place-adoption.js';
import { type AdoptionReport, LegacyAdoption } from './legacy-adoption.service.js';
import { LegacyDatabase } from './legacy-database.js';

interface AdoptFlags {
  dryRun?: boolean;
}

/**
 * `npm run adopt -- <old backend folder>`: brings an old FastAPI backend's images and scenes
 * into whatever DATABASE_URL names (SQLite or PostgreSQL; the old README's advice for
 * growing out of SQLite), through the same adoption as the upgrade in place.
 */
@Command({
  name: 'adopt',
  arguments: '<folder>',
  argsDescription: { folder: 'the old backend’s folder, or its dnd_game.db' },
  description: "Adopts an old FastAPI backend's images and scenes into the database DATABASE_URL names",
})
export class AdoptCommand extends CliCommand {
  constructor(
    private readonly environment: CliEnvironment,
    private readonly output: CliOutput,
  ) {
    super();
  }

  async run([folder]: string[], flags: AdoptFlags): Promise<void> {
    const databasePath = oldDatabasePath(folder);
    if (!existsSync(databasePath)) throw new CliFailure(`There is no old backend database at ${databasePath}: name the old backend’s folder, or its dnd_game.db`);
    const database = openOldDatabase(databasePath);
    // The service's own modules, without its scheduled jobs: this process only adopts.
    const env = { ...this.environment.env, JOBS_ENABLED: 'false' };
    const app = await NestFactory.createApplicationContext(await AppModule.forRoot({ env }), { logger: false, abortOnError: false });
    try {
      const dryRun = flags.dryRun === true;
      printReport(await app.get(LegacyAdoption).adopt({ database, folder: dirname(databasePath) }, { dryRun }), dryRun, this.output);
    } catch (error) {
      throw new CliFailure(`Adoption failed: ${messageOf(error)}`);
    } finally {
      database.close();
      await app.close();
    }
  }

  @Option({ flags: '--dry-run', description: 'checks every picture and reports what would be adopted, writing nothing' })
  parseDryRun(): boolean {
    return true;
  }
}

/** The old backend's database: the folder's `dnd_game.db`, or the file named. */
function oldDatabasePath(target: string): string {
  const path = resolve(target);
  return existsSync(path) && statSync(path).isDirectory() ? join(path, 'dnd_game.db') : path;
}

/** The old database, opened read-only. */
function openOldDatabase(databasePath: string): LegacyDatabase {
  let database: LegacyDatabase;
  try {
    database = new LegacyDatabase(databasePath);
  } catch (error) {
    throw new CliFailure(`Cannot open ${databasePath}: ${messageOf(error)}`);
  }
  if (database.hasImagesTable()) return database;
  database.close();
  throw new CliFailure(`${databasePath} is not an old backend's database (it has no image_assets table)`);
}

function printReport(report: AdoptionReport, dryRun: boolean, output: CliOutput): void {
  output.out(describeAdoption(report));
  for (const { from, to } of report.images.renumbered) output.out(`  image ${from} ${dryRun ? 'would be renumbered (its number is taken here)' : `is now ${to} (its number was taken here)`}`);
  for (const { id, reason } of report.images.notAdopted) output.out(`  image ${id} not adopted: ${reason}`);
  for (const { id, reason } of report.scenes.notAdopted) output.out(`  scene entry ${id} not adopted: ${reason}`);
}
