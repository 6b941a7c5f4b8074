import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { CommandRunner } from 'nest-commander';

/** Where a command writes its result lines (the console; tests capture them). */
export abstract class CliOutput {
  abstract out(line: string): void;
  abstract err(line: string): void;
}

export const CONSOLE: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** The environment the command runs with, as the server reads it (the adopt command starts the service's modules with it). */
export abstract class CliEnvironment {
  abstract readonly env: NodeJS.ProcessEnv;
}

/** A command that failed in a way it has explained: the message is printed, the exit code is 1. */
export class CliFailure extends Error {}

/** The environment as the server reads it: `.env`, then process.env winning. */
export function loadEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/**
 * The CLI prints its own result lines; of the service's log, only warnings (say, a failed
 * clean-up of old backups) are shown, as plain lines on stderr.
 */
export function quietNestLogger(): void {
  Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (message: unknown) => console.error(`Warning: ${String(message)}`) });
}

/**
 * The house rules for every command: a usage error throws instead of exiting the process
 * (nest-commander sets that on the root command only), a stray extra argument is an error
 * (commander 11, which nest-commander uses, would ignore it, and `restore a b` must not quietly
 * restore `a`), and a usage error is followed by the command's help.
 */
export abstract class CliCommand extends CommandRunner {
  // nest-commander's own commander (its version, not whatever else node_modules holds).
  override setCommand(command: Parameters<CommandRunner['setCommand']>[0]): this {
    command.exitOverride().allowExcessArguments(false).showHelpAfterError();
    return super.setCommand(command);
  }
}
