/**
 * The embedded engine: one better-sqlite3 connection in WAL mode. better-sqlite3 is synchronous, so two rules
 * keep the event loop free:
 * - Writers take the database lock up front (`BEGIN IMMEDIATE`) with a short busy timeout; when another
 *   process holds it, we wait asynchronously and try again, so an acked Slack command still leaves on time.
 * - Work on the one connection is queued (an async mutex), so an open transaction is never interleaved with
 *   another caller's statements while it awaits.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../store/sql/sql-store.ts';
import type { SqlRow, SqlSession, SqlValue } from '../store/sql/session.ts';
import { SerialQueue } from '../store/sql/serial-queue.ts';

export const SQLITE_MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/** How long one attempt may block the event loop waiting for another process's lock. */
const BUSY_TIMEOUT_MS = 20;
/** How long a writer keeps retrying (asynchronously) before it gives up with a clear error. */
const LOCK_WAIT_MS = 30_000;
const MAX_CACHED_STATEMENTS = 500;

export interface SqliteEngineOptions {
  migrate?: boolean;
  /** Give up waiting for another process's write lock after this long (default 30 s). */
  lockWaitMs?: number;
}

export class SqliteEngine implements Engine {
  readonly kind = 'sqlite' as const;
  private readonly queue = new SerialQueue();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly session: SqlSession;

  constructor(
    readonly location: string,
    private readonly db: Database.Database,
    private readonly lockWaitMs: number,
  ) {
    this.session = {
      dialect: 'sqlite',
      all: async (sql, params) => this.all(sql, params ?? []),
      tuples: async (sql, params) => this.tuples(sql, params ?? []),
      run: async (sql, params) => this.run(sql, params ?? []),
    };
  }

  read<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.queue.run(() => use(this.session));
  }

  /** SQLite has one writer at a time anyway: a single write takes the lock like a transaction (with async retry). */
  write<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.transaction(use);
  }

  transaction<T>(use: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      await this.begin();
      try {
        const result = await use(this.session);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async ping(): Promise<boolean> {
    try {
      return await this.queue.run(async () => this.db.prepare('SELECT 1 AS ok').get() !== undefined);
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      this.statements.clear();
      if (this.db.open) this.db.close();
    });
  }

  private async begin(): Promise<void> {
    const deadline = Date.now() + this.lockWaitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) {
          if (isBusy(error)) throw new Error(`the SQLite database ${this.location} stayed locked by another process for ${Math.round(this.lockWaitMs / 1000)} s`);
          throw error;
        }
        await sleep(Math.min(5 * 2 ** attempt, 100));
      }
    }
  }

  private prepare(sql: string, raw = false): Database.Statement {
    // A raw statement (rows as arrays) is a separate prepared statement: raw mode is a setting of the statement.
    const key = raw ? `raw:${sql}` : sql;
    let statement = this.statements.get(key);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      if (raw) statement.raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }

  private tuples(sql: string, params: readonly SqlValue[]): unknown[][] {
    return this.prepare(sql, true).all(...params.map(toSqlite)) as unknown[][];
  }

  private all(sql: string, params: readonly SqlValue[]): SqlRow[] {
    const statement = this.prepare(sql);
    const values = params.map(toSqlite);
    if (statement.reader) return statement.all(...values) as SqlRow[];
    statement.run(...values);
    return [];
  }

  private run(sql: string, params: readonly SqlValue[]): number {
    return this.prepare(sql).run(...params.map(toSqlite)).changes;
  }
}

function toSqlite(value: SqlValue): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function isBusy(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && error.code.startsWith('SQLITE_BUSY');
}

export function openSqliteEngine(path: string, options: SqliteEngineOptions = {}): SqliteEngine {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  if (options.migrate !== false) {
    // Start-up only: waiting here for another process's migration is fine (nothing is being served yet).
    db.pragma('busy_timeout = 10000');
    migrate(drizzle(db), { migrationsFolder: SQLITE_MIGRATIONS });
  }
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return new SqliteEngine(path, db, options.lockWaitMs ?? LOCK_WAIT_MS);
}
