import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { messageOf } from '../common/errors.js';
import { ConfigValidationError } from '../config/app-config.js';
import { CliFailure, type CliOutput, CONSOLE, loadEnv, quietNestLogger } from './cli-support.js';
import { CliModule } from './cli.module.js';

/** A usage error (unknown command or option, a missing or extra argument), as the old scripts answered it. */
const USAGE_EXIT_CODE = 2;

/** Commander's own errors carry an exit code (0 after --help); ours do not. */
function isCommanderError(error: unknown): error is Error & { exitCode: number; code: string } {
  return error instanceof Error && typeof (error as { exitCode?: unknown }).exitCode === 'number' && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * Runs one command (`backup`, `restore <file>`, `adopt <folder>`) with nest-commander and
 * answers its exit code; commander's usage errors come back as codes instead of exiting the
 * process, so tests can run commands in-process with their own environment and output.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = loadEnv(), output: CliOutput = CONSOLE): Promise<number> {
  quietNestLogger();
  let exitCode = 0;
  const toLines = (write: (line: string) => void) => (text: string) => text.replace(/\n$/, '').split('\n').forEach(write);
  try {
    const app = await CommandFactory.createWithoutRunning(await CliModule.forRoot(env, output), {
      logger: false,
      abortOnError: false,
      // Commander exits the process on a usage error unless this throws; the error then
      // reaches serviceErrorHandler, as every command's own failure does.
      errorHandler: (error) => {
        throw error;
      },
      serviceErrorHandler: (error) => {
        if (isCommanderError(error)) exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
        else {
          output.err(error instanceof CliFailure ? error.message : `Failed: ${messageOf(error)}`);
          exitCode = 1;
        }
      },
      outputConfiguration: { writeOut: toLines((line) => output.out(line)), writeErr: toLines((line) => output.err(line)) },
    });
    try {
      // Commander reads the program's name from the second entry: usage lines then read as the user typed them.
      await app.get(CommandRunnerService).run(['node', 'npm run', ...args]);
    } finally {
      await app.close();
    }
  } catch (error) {
    output.err(error instanceof ConfigValidationError ? error.message : messageOf(error));
    return 1;
  }
  return exitCode;
}
