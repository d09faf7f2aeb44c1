/**
 * Both stores for tests that must hold on each: a temporary SQLite file, and a fresh database on the shared
 * PostgreSQL server (created per call, dropped at cleanup). Without PostgreSQL the postgres case is skipped
 * with a line saying why — or fails the run under CI (see detectPostgres).
 */
import { openSqliteStore, openStore } from '../../db/store/open.ts';
import type { Store, StoreKind } from '../../db/store/port.ts';
import { tempDbPath } from './core-harness.ts';
import { DEFAULT_TEST_PG_URL, detectPostgres } from './postgres.ts';
import { createThrowawayDatabase } from './throwaway-postgres.ts';

export interface TestDatabase {
  kind: StoreKind;
  /** ACCESSBOT_DB path (sqlite) or DATABASE_URL (postgres): what a child `accessbot serve` would be given. */
  location: string;
  /** The env a child process needs to use this database. */
  env: Record<string, string>;
  open(options?: { migrate?: boolean }): Promise<Store>;
  drop(): Promise<void>;
}

/** A new, empty database on the shared test server; `drop()` removes it (ending leftover sessions). */
export async function freshPostgresDatabase(baseUrl = process.env.ACCESSBOT_TEST_PG_URL ?? DEFAULT_TEST_PG_URL): Promise<TestDatabase> {
  const database = await createThrowawayDatabase(baseUrl, 'accessbot_t');
  return {
    kind: 'postgres',
    location: database.url,
    env: { DATABASE_URL: database.url },
    open: (options = {}) => openStore({ databaseUrl: database.url, ...options }),
    drop: () => database.drop(),
  };
}

export function freshSqliteDatabase(): TestDatabase {
  const path = tempDbPath();
  return {
    kind: 'sqlite',
    location: path,
    env: { ACCESSBOT_DB: path },
    open: async (options = {}) => openSqliteStore(path, options),
    drop: async () => {},
  };
}

/** Which stores this machine can test, for `describe.each`; the postgres entry carries its skip reason. */
export async function storeKinds(): Promise<{ kind: StoreKind; skip: string | null; fresh: () => Promise<TestDatabase> }[]> {
  const pgAvailable = await detectPostgres();
  return [
    { kind: 'sqlite', skip: null, fresh: async () => freshSqliteDatabase() },
    { kind: 'postgres', skip: pgAvailable.skipReason, fresh: () => freshPostgresDatabase(pgAvailable.url) },
  ];
}
