import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { type AppConfig, ConfigValidationError, parseAppConfig } from '../config/app-config.js';
import { messageOf } from '../common/errors.js';

/** Where a command-line tool writes its result lines (tests capture them). */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

export const CONSOLE: CliOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** The environment as the server reads it: `.env`, then process.env winning. */
export function loadEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** The validated configuration, or null after printing every problem. */
export function configFrom(env: NodeJS.ProcessEnv, output: CliOutput): AppConfig | null {
  try {
    return parseAppConfig(env);
  } catch (error) {
    output.err(error instanceof ConfigValidationError ? error.message : messageOf(error));
    return null;
  }
}

/**
 * The CLI prints its own result lines; of the service's log, only warnings (say, a failed
 * clean-up of old backups) are shown, as plain lines on stderr.
 */
export function quietNestLogger(): void {
  Logger.overrideLogger({ log: () => undefined, error: () => undefined, warn: (message: unknown) => console.error(`Warning: ${String(message)}`) });
}
