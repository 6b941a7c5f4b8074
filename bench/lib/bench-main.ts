/**
 * How a benchmark entry point runs (bench/run.ts, bench/section.ts): in a temp directory of
 * its own, which goes, with every child still running, however the run ends: normal exit, an
 * error, or Ctrl-C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildrenNow } from './children.js';

/** Progress, on stderr: stdout carries only the report. */
export const log = (message: string) => console.error(`[bench] ${message}`);

export function runBenchMain(main: (tempDir: string) => Promise<void>): void {
  const tempDir = mkdtempSync(join(tmpdir(), 'image-service-bench-'));
  const cleanUp = () => {
    killAllChildrenNow();
    rmSync(tempDir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping children and removing ${tempDir}`);
      process.exit(130); // runs the 'exit' handler
    });
  }

  // Exit explicitly either way: a child still running (after an error) would otherwise keep
  // this process alive through its pipes; the 'exit' handler then kills it.
  main(tempDir).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    },
  );
}
