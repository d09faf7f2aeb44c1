/**
 * The `pg` driver, loaded on first use: a command that never talks to PostgreSQL through a provider
 * (`accessbot policy check`, `--help`, a SQLite-only bot with webhook targets) does not pay for loading it.
 */
import { createRequire } from 'node:module';
import type pgModule from 'pg';

let loaded: typeof pgModule | undefined;

export function loadPg(): typeof pgModule {
  loaded ??= createRequire(import.meta.url)('pg') as typeof pgModule;
  return loaded;
}
