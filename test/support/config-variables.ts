import { parseAppConfig } from '../../src/config/app-config.js';

/**
 * Every environment variable the config schema reads, taken from the schema itself: it parses
 * an empty environment (each variable then falls back to its default, and none is skipped)
 * that records every name asked for.
 */
export function configVariableNames(): string[] {
  const names = new Set<string>();
  const recording = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get: (_target, key) => {
        if (typeof key === 'string') names.add(key);
        return undefined;
      },
    },
  );
  parseAppConfig(recording, '/');
  return [...names].sort();
}
