/**
 * Throw-away PostgreSQL databases on a shared server: a new, empty database with a random name, dropped (ending
 * any session still connected) when done. The tests (test/support/stores.ts) and the benchmarks
 * (bench/lib/postgres.ts) both use it; it depends on nothing but `pg`, so the benchmarks need no other part of
 * the test tree.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ThrowawayDatabase {
  name: string;
  /** The connection URL of the new database (the server's URL with its name as the path). */
  url: string;
  /** Its size on disk (pg_database_size). */
  sizeBytes(): Promise<number>;
  /** Drops it, ending any session still connected. Safe to call twice. */
  drop(): Promise<void>;
}

async function withAdmin<T>(baseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates `<prefix>_<12 hex>` on the server at `baseUrl`. */
export async function createThrowawayDatabase(baseUrl: string, prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(baseUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const parsed = new URL(baseUrl);
  parsed.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: parsed.toString(),
    sizeBytes: () => withAdmin(baseUrl, async (client) => Number((await client.query<{ size: string }>('SELECT pg_database_size($1) AS size', [name])).rows[0]!.size)),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
