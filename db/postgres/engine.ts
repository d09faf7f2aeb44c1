/**
 * The PostgreSQL engine (`DATABASE_URL`), for replicas that share one database. Every write transaction first
 * takes one transaction-scoped advisory lock, the exact equivalent of SQLite's `BEGIN IMMEDIATE`: writers run
 * one at a time across all replicas, so every invariant the core relies on (N-of-M counted once, one pending
 * request per person and role, an unforked audit chain, drift reported once) holds as it does on SQLite.
 * Reads never take it. Measured in the conformance suite and `npm run bench`: write transactions are a few
 * milliseconds, far below what an access bot's traffic needs.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../store/sql/sql-store.ts';
import type { SqlRow, SqlSession, SqlValue } from '../store/sql/session.ts';

export const POSTGRES_MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/** Advisory lock keys ("accessbot" in two 32-bit halves): one serialises writers, one serialises migrations. */
const WRITE_LOCK = '1633903461, 1';
const MIGRATE_LOCK = '1633903461, 2';

const INT8_OID = 20;

/** Epoch milliseconds and counts are int8: read them as JS numbers (exact up to 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** `?` placeholders (the store's shared dialect) → `$1, $2, …`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function sessionOf(client: pg.Pool | pg.PoolClient): SqlSession {
  return {
    dialect: 'postgres',
    all: async (sql: string, params: readonly SqlValue[] = []) => (await client.query(numbered(sql), [...params])).rows as SqlRow[],
    tuples: async (sql: string, params: readonly SqlValue[] = []) => (await client.query({ text: numbered(sql), values: [...params], rowMode: 'array' })).rows as unknown[][],
    run: async (sql: string, params: readonly SqlValue[] = []) => (await client.query(numbered(sql), [...params])).rowCount ?? 0,
  };
}

/** postgres://user:secret@host/db → postgres://user@host/db (never log a password). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export interface PostgresEngineOptions {
  migrate?: boolean;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Called for errors of idle connections (e.g. the server restarted); queries then fail and are retried by their callers. */
  onError?: (error: Error) => void;
}

export class PostgresEngine implements Engine {
  readonly kind = 'postgres' as const;
  private readonly session: SqlSession;

  constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
  ) {
    this.session = sessionOf(pool);
  }

  read<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
    return use(this.session);
  }

  /** Autocommit: a single compare-and-set is atomic on its own and takes no advisory lock. */
  write<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
    return use(this.session);
  }

  async transaction<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client whose connection dies (server restart, failover) emits 'error'; unheard, it would end
    // the process. Heard, the running query fails, the transaction rolls back and the client is discarded.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      // One round trip: BEGIN and the writers' lock travel together (simple query protocol, no parameters).
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      const result = await use(sessionOf(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollback) {
        broken = rollback instanceof Error ? rollback : new Error(String(rollback));
      }
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Apply pending migrations, one replica at a time (session advisory lock), so simultaneous starts are safe. */
  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK})`);
      try {
        await migrate(drizzle(client), { migrationsFolder: POSTGRES_MIGRATIONS });
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK})`);
      }
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}

export async function openPostgresEngine(url: string, options: PostgresEngineOptions = {}): Promise<PostgresEngine> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000, types });
  pool.on('error', (error) => options.onError?.(error));
  const engine = new PostgresEngine(redactUrl(url), pool);
  try {
    if (options.migrate !== false) await engine.migrate();
    else await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return engine;
}
