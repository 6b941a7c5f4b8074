/**
 * Runs some of the sections of bench/run.ts alone, to iterate on one without the whole run:
 *
 *   npm run build && node dist/bench/section.js references [generation …]
 *
 * Prints their markdown (stdout; progress on stderr) and leaves bench/results/latest.json to
 * the full run. Unexpected responses fail it, as they fail the full run.
 */
import { log, runBenchMain } from './lib/bench-main.js';
import { isSectionName, runSections, SECTION_NAMES } from './sections.js';

runBenchMain(async (tempDir) => {
  const names = process.argv.slice(2);
  if (names.length === 0 || !names.every(isSectionName)) {
    throw new Error(`Name one or more sections: ${SECTION_NAMES.join(', ')} (got ${names.join(' ') || 'none'})`);
  }
  const reports = await runSections(names, tempDir, log);
  console.log(Object.values(reports).flatMap((report) => report.markdown).join('\n\n'));
  const bad = Object.values(reports).flatMap((report) => report.bad);
  if (bad.length > 0) throw new Error(`Unexpected responses; the numbers above are not valid:\n  ${bad.join('\n  ')}`);
});
