import { isAbsolute, resolve } from 'node:path';
import type { EnvReader } from './env-reader.js';

/**
 * Where the data lives, chosen by DATABASE_URL: an SQLite file (the embedded default) or a
 * PostgreSQL database (several replicas). Everything driver-specific switches on `driver`.
 */
export type DatabaseConfig =
  | { driver: 'sqlite'; /** Absolute path of the database file. */ path: string }
  | { driver: 'postgres'; /** The URL as given, password included: log it only through redactUrlPassword. */ url: string };

export type DatabaseDriver = DatabaseConfig['driver'];

const EXPECTED = 'sqlite:///relative/path.db, sqlite:////absolute/path.db or postgres://user:password@host:5432/database';

/** Reads DATABASE_URL; problems go to `read` like every other variable's. */
export function readDatabaseUrl(read: EnvReader, cwd: string): DatabaseConfig {
  const fallback: DatabaseConfig = { driver: 'sqlite', path: resolve(cwd, 'dnd_game.db') };
  const raw = read.optionalString('DATABASE_URL');
  if (raw === undefined) return fallback;
  if (/^postgres(ql)?:/i.test(raw)) {
    const problem = postgresUrlProblem(raw);
    // The value is echoed without its password: configuration errors end up in logs.
    if (problem) read.fail(`DATABASE_URL ${problem} (got "${redactUrlPassword(raw)}")`);
    return problem ? fallback : { driver: 'postgres', url: raw };
  }
  return read.parse('DATABASE_URL', fallback, EXPECTED, (value) => {
    // The original service's SQLAlchemy form: three slashes then a relative path, four for an absolute one.
    const path = /^sqlite:\/\/\/(.+)$/i.exec(value)?.[1];
    return path === undefined ? undefined : { driver: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  });
}

/** What is wrong with a postgres:// URL (to finish "DATABASE_URL …"), or null. */
function postgresUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `must be ${EXPECTED}`;
  }
  // libpq also takes the host as ?host=/run/postgresql (a Unix socket).
  if (!url.hostname && !url.searchParams.get('host')) return 'names no host: postgres://user:password@host:5432/database';
  const database = url.pathname.replace(/^\//, '');
  if (!database || database.includes('/')) return 'must name one database after the host: postgres://user:password@host:5432/database';
  return null;
}

/** Any URL (database, Redis) with its password masked, for messages and logs. */
export function redactUrlPassword(raw: string): string {
  return (
    raw
      // user:password@ — up to the last @ before the path, as a password may hold an unencoded @.
      .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^/?#]*@/i, '$1***@')
      // libpq also takes it as a parameter: postgres://user@host/db?password=…
      .replace(/([?&](?:password|passfile)=)[^&#]*/gi, '$1***')
  );
}
