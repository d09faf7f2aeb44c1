/** Opens the configured store for a CLI command (a leaf module: audit commands load nothing else of the core). */
import type { Store } from '../../db/store/port.ts';
import { openStore } from '../../db/store/open.ts';
import type { Config } from '../config/env.ts';

/** PostgreSQL when DATABASE_URL is set, else the SQLite file ACCESSBOT_DB; pending migrations are applied first. */
export function openConfiguredStore(config: Pick<Config, 'databaseUrl' | 'dbPath'>): Promise<Store> {
  return openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.dbPath });
}
