/**
 * Opens the configured store: PostgreSQL when a `postgres://` URL is given (DATABASE_URL), else the embedded
 * SQLite file (ACCESSBOT_DB). Pending migrations are applied unless `migrate: false`.
 */
import { openSqliteEngine } from '../sqlite/engine.ts';
import type { Store } from './port.ts';
import { SqlStore } from './sql/sql-store.ts';

export interface OpenStoreOptions {
  /** `postgres://…`: the store lives in PostgreSQL and wins over `sqlitePath`. */
  databaseUrl?: string | null;
  /** SQLite file path, or ':memory:'. */
  sqlitePath?: string;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** PostgreSQL only: errors of idle pooled connections (the server restarted, a failover). */
  onConnectionError?: (error: Error) => void;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    // Loaded only for PostgreSQL: a SQLite deployment never loads the pg driver.
    const { openPostgresEngine } = await import('../postgres/engine.ts');
    const engine = await openPostgresEngine(options.databaseUrl, {
      ...(options.migrate === false ? { migrate: false } : {}),
      ...(options.onConnectionError ? { onError: options.onConnectionError } : {}),
    });
    return new SqlStore(engine);
  }
  return openSqliteStore(options.sqlitePath ?? './data/accessbot.db', options.migrate === false ? { migrate: false } : {});
}

/** The embedded store, opened synchronously (SQLite needs no round trip). */
export function openSqliteStore(path: string, options: { migrate?: boolean } = {}): Store {
  return new SqlStore(openSqliteEngine(path, options));
}
