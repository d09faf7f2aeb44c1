/**
 * Both stores for tests that must hold on each: a temporary SQLite file, and a fresh database on the shared
 * PostgreSQL server (created per call, dropped at cleanup). Without PostgreSQL the postgres case is skipped
 * with a line saying why — or fails the run under CI (see detectPostgres).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openSqliteStore, openStore } from '../../db/store/open.ts';
import type { Store, StoreKind } from '../../db/store/port.ts';
import { tempDbPath } from './core-harness.ts';
import { DEFAULT_TEST_PG_URL, detectPostgres } from './postgres.ts';

export interface TestDatabase {
  kind: StoreKind;
  /** ACCESSBOT_DB path (sqlite) or DATABASE_URL (postgres): what a child `accessbot serve` would be given. */
  location: string;
  /** The env a child process needs to use this database. */
  env: Record<string, string>;
  open(options?: { migrate?: boolean }): Promise<Store>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A new, empty database on the shared test server; `drop()` removes it (ending leftover sessions). */
export async function freshPostgresDatabase(baseUrl = process.env.ACCESSBOT_TEST_PG_URL ?? DEFAULT_TEST_PG_URL): Promise<TestDatabase> {
  const name = `accessbot_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(baseUrl, name);
  return {
    kind: 'postgres',
    location: url,
    env: { DATABASE_URL: url },
    open: (options = {}) => openStore({ databaseUrl: url, ...options }),
    drop: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
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
