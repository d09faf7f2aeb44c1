/** One small admin pool per resource, and a transaction helper that always gives the connection back. */
import type pg from 'pg';
import { loadPg } from './load-pg.ts';
import type { ProviderDeps } from '../types.ts';

export type PgClient = pg.PoolClient;

export function createAdminPool(resource: string, url: string, max: number, deps: ProviderDeps, scrub: (text: string) => string): pg.Pool {
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max,
    idleTimeoutMillis: 30_000,
    // Idle admin connections never keep the process alive; `close()` still ends them at shutdown.
    allowExitOnIdle: true,
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
    lock_timeout: 10_000,
    application_name: 'accessbot',
  });
  // An idle connection dropped by the server must not crash the process.
  pool.on('error', (error) => deps.log.warn({ resource, err: scrub(error.message) }, 'postgres admin connection lost'));
  return pool;
}

export async function inTransaction<T>(pool: pg.Pool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
