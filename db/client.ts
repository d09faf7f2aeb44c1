/** Opens the SQLite database with the pragmas we rely on and applies committed migrations. */
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.ts';

export type Orm = BetterSQLite3Database<typeof schema>;

export interface Db {
  readonly path: string;
  readonly sqlite: Database.Database;
  readonly orm: Orm;
  close(): void;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  busyTimeoutMs?: number;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  const orm = drizzle(sqlite, { schema });
  if (options.migrate !== false) migrate(orm, { migrationsFolder: MIGRATIONS_FOLDER });
  return { path, sqlite, orm, close: () => sqlite.close() };
}

/** Are there migrations this database has not applied yet? Used by `serve` and `/healthz` diagnostics. */
export function isReachable(db: Db): boolean {
  try {
    db.sqlite.prepare('select 1').get();
    return true;
  } catch {
    return false;
  }
}
