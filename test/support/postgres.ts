import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** TEST_DATABASE_URL: an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres (.ci/run sets it). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export const POSTGRES_SKIP_REASON = 'skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres to run';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own on TEST_DATABASE_URL's server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) throw new Error(`A PostgreSQL test database needs TEST_DATABASE_URL (${POSTGRES_SKIP_REASON})`);
  const name = `dnd_test_${randomBytes(6).toString('hex')}`;
  await asAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => asAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
}

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
