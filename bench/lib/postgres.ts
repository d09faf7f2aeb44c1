/**
 * PostgreSQL for the benchmarks: the server they use (ACCESSBOT_BENCH_PG_URL, else ACCESSBOT_TEST_PG_URL, else
 * postgres://postgres@127.0.0.1:5432/test), whether it answers, and throw-away databases created per run and
 * dropped afterwards (the same idea as test/support/stores.ts, kept here so the benchmarks do not depend on
 * the test tree).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const BENCH_PG_URL = process.env.ACCESSBOT_BENCH_PG_URL ?? process.env.ACCESSBOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without its password, for printing. */
export const shownUrl = (url: string): string => url.replace(/:[^:@/]*@/, ':***@');

/** Null when the server answers; else the line to print saying the PostgreSQL half is skipped and why. */
export async function postgresSkipReason(url = BENCH_PG_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL half skipped: no server answers at ${shownUrl(url)} (${(error as Error).message || String(error)}); set ACCESSBOT_BENCH_PG_URL to use another`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface BenchDatabase {
  /** DATABASE_URL of the new database. */
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

/** A new, empty database on the bench server. */
export async function freshPostgresDatabase(baseUrl = BENCH_PG_URL): Promise<BenchDatabase> {
  const name = `accessbot_bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(baseUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const parsed = new URL(baseUrl);
  parsed.pathname = `/${name}`;
  let dropped = false;
  return {
    url: parsed.toString(),
    sizeBytes: () => withAdmin(baseUrl, async (client) => Number((await client.query<{ size: string }>('SELECT pg_database_size($1) AS size', [name])).rows[0]!.size)),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(baseUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
