/**
 * The sections after the read path, each in its own module with its own servers and data, in
 * the order bench/run.ts runs them; bench/section.ts runs any of them alone.
 */
import type { SectionReport } from './lib/table.js';
import { concurrencyPlannedSeconds, concurrencyReport, runConcurrencyBench } from './concurrency.js';
import { generationPlannedSeconds, generationReport, runGenerationBench } from './generation.js';
import { queuePlannedSeconds, queueReport, runQueueBench } from './queue.js';
import { referencesPlannedSeconds, referencesReport, runReferencesBench } from './references.js';
import { runSearchBench, searchPlannedSeconds, searchReport } from './search.js';
import { runStorageBench, storagePlannedSeconds, storageReport } from './object-storage.js';

export type Log = (message: string) => void;

interface Section {
  /** Roughly how long it takes, for the run's time budget. */
  plannedSeconds: () => number;
  /** Runs it in `tempDir` (each makes a directory of its own there) and reports. */
  run: (tempDir: string, log: Log) => Promise<SectionReport>;
}

/** By their key in latest.json. */
export const SECTIONS = {
  search: { plannedSeconds: searchPlannedSeconds, run: async (tempDir, log) => searchReport(await runSearchBench(tempDir, log)) },
  generation: { plannedSeconds: generationPlannedSeconds, run: async (tempDir, log) => generationReport(await runGenerationBench(tempDir, log)) },
  concurrency: { plannedSeconds: concurrencyPlannedSeconds, run: async (tempDir, log) => concurrencyReport(await runConcurrencyBench(tempDir, log)) },
  queue: { plannedSeconds: queuePlannedSeconds, run: async (tempDir, log) => queueReport(await runQueueBench(tempDir, log)) },
  references: { plannedSeconds: referencesPlannedSeconds, run: async (tempDir, log) => referencesReport(await runReferencesBench(tempDir, log)) },
  storage: { plannedSeconds: storagePlannedSeconds, run: async (tempDir, log) => storageReport(await runStorageBench(tempDir, log)) },
} satisfies Record<string, Section>;

export type SectionName = keyof typeof SECTIONS;
export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

export function isSectionName(name: string): name is SectionName {
  return Object.hasOwn(SECTIONS, name);
}

export function plannedSeconds(names: readonly SectionName[]): number {
  return names.reduce((sum, name) => sum + SECTIONS[name].plannedSeconds(), 0);
}

/** Runs the sections one after another, logging how long each took; their reports by name. */
export async function runSections(names: readonly SectionName[], tempDir: string, log: Log): Promise<Record<string, SectionReport>> {
  const reports: Record<string, SectionReport> = {};
  for (const name of names) {
    const started = performance.now();
    reports[name] = await SECTIONS[name].run(tempDir, log);
    log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return reports;
}
