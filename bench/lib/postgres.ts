/**
 * PostgreSQL for the benchmarks: the server they use (ACCESSBOT_BENCH_PG_URL, else ACCESSBOT_TEST_PG_URL, else
 * postgres://postgres@127.0.0.1:5432/test), whether it answers, and throw-away databases created per run and
 * dropped afterwards (test/support/throwaway-postgres.ts, which the tests' databases use too: a module that
 * needs nothing else of the test tree).
 */
import pg from 'pg';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../test/support/throwaway-postgres.ts';

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

export type BenchDatabase = Pick<ThrowawayDatabase, 'url' | 'sizeBytes' | 'drop'>;

/** A new, empty database on the bench server. */
export function freshPostgresDatabase(baseUrl = BENCH_PG_URL): Promise<BenchDatabase> {
  return createThrowawayDatabase(baseUrl, 'accessbot_bench');
}
