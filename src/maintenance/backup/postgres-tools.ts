import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export type PostgresTool = 'pg_dump' | 'pg_restore';

/** A client program failed; the message is its own last words (never the password). */
export class PostgresToolError extends Error {}

/** Connections a backup or restore opens call themselves this; the server's own are told apart. */
const APPLICATION_NAME = 'dnd-image-service-backup';

/**
 * Thin adapter around the PostgreSQL client programs (pg_dump, pg_restore) and the one-off
 * connections of backups and restores. The URL's password never appears on a command line
 * (where `ps` would show it): the programs get it in PGPASSWORD.
 */
export class PostgresTools {
  /** The program's path on the PATH, or null when it is not installed. */
  async find(tool: PostgresTool): Promise<string | null> {
    for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const path = join(dir, tool);
      if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
    }
    return null;
  }

  /** `pg_dump --format=custom` of the database into a new file. */
  async dump(url: string, file: string): Promise<void> {
    await this.exec('pg_dump', url, ['--format=custom', `--file=${file}`]);
  }

  /** The archive's table of contents (`pg_restore --list`): reading it proves the archive whole enough to restore. */
  async contents(file: string): Promise<string> {
    return this.exec('pg_restore', null, ['--list', file]);
  }

  /**
   * Replaces what the archive holds in the database, in one transaction: on any error nothing
   * changes. Objects are created as the connecting user (`--no-owner`).
   */
  async restore(url: string, file: string): Promise<void> {
    await this.exec('pg_restore', url, ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', file]);
  }

  /** Runs one query on a connection of its own. */
  async query<T>(url: string, sql: string, parameters: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: url, application_name: APPLICATION_NAME });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows as T[];
    } finally {
      await client.end();
    }
  }

  private async exec(tool: PostgresTool, url: string | null, args: string[]): Promise<string> {
    const path = await this.find(tool);
    if (!path) throw new PostgresToolError(`${tool} is not installed (not on the PATH)`);
    const connection = url === null ? { args: [], env: {} } : libpqConnection(url);
    try {
      const { stdout } = await run(path, ['--no-password', ...connection.args, ...args], {
        env: { ...process.env, PGAPPNAME: APPLICATION_NAME, ...connection.env },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      // Its last line says why, e.g. "pg_dump: error: connection to server … failed: …".
      const reason = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').at(-1)?.replace(/^\S+: (error: )?/, '');
      throw new PostgresToolError(`${tool} failed: ${reason || (error as Error).message}`);
    }
  }
}

/** `--dbname` with the URL minus its password, and the password in the environment. */
function libpqConnection(url: string): { args: string[]; env: Record<string, string> } {
  const parsed = new URL(url);
  // The password may be in the authority or, libpq style, a `password` parameter.
  const password = decodeURIComponent(parsed.password) || (parsed.searchParams.get('password') ?? '');
  parsed.password = '';
  parsed.searchParams.delete('password');
  return { args: [`--dbname=${parsed.toString()}`], env: password ? { PGPASSWORD: password } : {} };
}
