import type { CliOutput } from '../../src/cli/cli-support.js';

/** A command's output kept as lines, `out: …` and `err: …`, for runCli in a test. */
export function captureCliOutput(): { lines: string[]; output: CliOutput } {
  const lines: string[] = [];
  return { lines, output: { out: (line: string) => lines.push(`out: ${line}`), err: (line: string) => lines.push(`err: ${line}`) } };
}
