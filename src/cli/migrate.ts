/** accessbot migrate [--from-sqlite FILE] */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Store } from '../../db/store/port.ts';
import { loadEnv } from '../config/env.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { openConfiguredStore } from './store.ts';

const MIGRATE_USAGE = 'usage: accessbot migrate [--from-sqlite FILE]';

const HELP = `${MIGRATE_USAGE}

Applies pending migrations to the configured store and exits: PostgreSQL when DATABASE_URL is set
(postgres://…), else the SQLite file $ACCESSBOT_DB (default ./data/accessbot.db).

  --from-sqlite FILE   then copy everything from that SQLite database (requests, grants, the audit log, …)
                       into the PostgreSQL database of DATABASE_URL, e.g. when moving to replicas`;

const NEEDS_POSTGRES = 'migrate --from-sqlite needs DATABASE_URL=postgres://…';

export async function runMigrateCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { 'from-sqlite': { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) return (io.out(HELP), EXIT.ok);
  const config = loadEnv(io.env);
  const from = values['from-sqlite'];
  if (from !== undefined) {
    if (!config.databaseUrl) throw new UsageError(NEEDS_POSTGRES);
    if (from.trim() === '') throw new UsageError(`--from-sqlite needs the path of a SQLite database file\n${MIGRATE_USAGE}`);
    if (!existsSync(from)) throw new UsageError(`--from-sqlite: there is no file "${from}"`);
  }
  const store = await openConfiguredStore(config);
  try {
    io.out(`✓ ${describe(store)} is up to date`);
    if (from === undefined) return EXIT.ok;
    if (store.kind !== 'postgres') throw new UsageError(NEEDS_POSTGRES);
    const { copySqliteInto, CopyRefused } = await import('../../db/store/copy.ts');
    let tables: Record<string, number>;
    try {
      ({ tables } = await copySqliteInto(store, from));
    } catch (error) {
      if (!(error instanceof CopyRefused)) throw error;
      io.err(`✗ nothing was copied: ${error.message}`);
      return EXIT.failed;
    }
    const names = Object.keys(tables);
    const width = Math.max(0, ...names.map((name) => name.length));
    let total = 0;
    io.out(`✓ copied ${from} into ${describe(store)}:`);
    for (const name of names) {
      const rows = tables[name] ?? 0;
      total += rows;
      io.out(`  ${name.padEnd(width)}  ${rows} row${rows === 1 ? '' : 's'}`);
    }
    io.out(`  ${'total'.padEnd(width)}  ${total} row${total === 1 ? '' : 's'}`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function describe(store: Store): string {
  return `${store.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} database ${store.location}`;
}
