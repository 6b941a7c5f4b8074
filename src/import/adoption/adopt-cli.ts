import { NestFactory } from '@nestjs/core';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AppModule } from '../../app.module.js';
import { type CliOutput, configFrom, CONSOLE, loadEnv, quietNestLogger } from '../../cli/cli-support.js';
import { messageOf } from '../../common/errors.js';
import { describeAdoption } from './in-place-adoption.js';
import { type AdoptionReport, LegacyAdoption } from './legacy-adoption.service.js';
import { LegacyDatabase } from './legacy-database.js';

const USAGE = 'Usage: npm run adopt -- <the old backend’s folder, or its dnd_game.db> [--dry-run]';

/**
 * `npm run adopt -- <old backend folder>`: brings an old FastAPI backend's images and scenes
 * into whatever DATABASE_URL names (SQLite or PostgreSQL; the old README's advice for
 * growing out of SQLite), through the same adoption as the upgrade in place. `--dry-run`
 * checks every picture and reports, writing nothing. Answers the exit code.
 */
export async function runAdoptCli(args: string[], env: NodeJS.ProcessEnv = loadEnv(), output: CliOutput = CONSOLE): Promise<number> {
  quietNestLogger();
  const dryRun = args.includes('--dry-run');
  const targets = args.filter((arg) => arg !== '--dry-run');
  if (targets.length !== 1 || targets[0].startsWith('-')) {
    output.err(USAGE);
    return 2;
  }
  // The service's own configuration, without its scheduled jobs: this process only adopts.
  const appEnv = { ...env, JOBS_ENABLED: 'false' };
  const databasePath = oldDatabasePath(targets[0]);
  if (!existsSync(databasePath)) {
    output.err(`There is no old backend database at ${databasePath}. ${USAGE}`);
    return 1;
  }
  if (!configFrom(appEnv, output)) return 1;
  const database = openOldDatabase(databasePath, output);
  if (!database) return 1;
  const app = await NestFactory.createApplicationContext(await AppModule.forRoot({ env: appEnv }), { logger: false, abortOnError: false });
  try {
    const report = await app.get(LegacyAdoption).adopt({ database, folder: dirname(databasePath) }, { dryRun });
    printReport(report, dryRun, output);
    return 0;
  } catch (error) {
    output.err(`Adoption failed: ${messageOf(error)}`);
    return 1;
  } finally {
    database.close();
    await app.close();
  }
}

/** The old backend's database: the folder's `dnd_game.db`, or the file named. */
function oldDatabasePath(target: string): string {
  const path = resolve(target);
  return existsSync(path) && statSync(path).isDirectory() ? join(path, 'dnd_game.db') : path;
}

/** The old database, opened read-only, or undefined after saying why it cannot be. */
function openOldDatabase(databasePath: string, output: CliOutput): LegacyDatabase | undefined {
  try {
    const database = new LegacyDatabase(databasePath);
    if (database.hasImagesTable()) return database;
    database.close();
    output.err(`${databasePath} is not an old backend's database (it has no image_assets table)`);
  } catch (error) {
    output.err(`Cannot open ${databasePath}: ${messageOf(error)}`);
  }
  return undefined;
}

function printReport(report: AdoptionReport, dryRun: boolean, output: CliOutput): void {
  output.out(describeAdoption(report));
  for (const { from, to } of report.images.renumbered) output.out(`  image ${from} ${dryRun ? 'would be renumbered (its number is taken here)' : `is now ${to} (its number was taken here)`}`);
  for (const { id, reason } of report.images.notAdopted) output.out(`  image ${id} not adopted: ${reason}`);
  for (const { id, reason } of report.scenes.notAdopted) output.out(`  scene entry ${id} not adopted: ${reason}`);
}
