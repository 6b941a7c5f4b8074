import type { AppConfig } from '../config/app-config.js';

/**
 * An upper bound on one generation, every retry and some storage time included: what
 * another replica waits for at most, and when a dead replica's reservation lapses.
 */
export function longestGenerationMs(config: AppConfig): number {
  const { timeoutMs, maxRetries } = config.generation.gemini;
  return timeoutMs * (maxRetries + 1) + 60_000;
}
