/**
 * `accessbot migrate --from-sqlite FILE`: moves an existing SQLite install into PostgreSQL without losing a
 * row. Every table is copied verbatim (ids, sequence numbers and audit hashes included, so the audit chain and
 * its head anchor verify unchanged), in one transaction: either all of it lands or none. The target must be
 * empty, so a second run can never mix two histories.
 */
import { openSqliteEngine } from '../sqlite/engine.ts';
import type { Store } from './port.ts';
import type { SqlRow, SqlValue } from './sql/session.ts';
import { SqlStore } from './sql/sql-store.ts';

/** In foreign-key order. */
const TABLES = ['requests', 'reviews', 'grants', 'audit_events', 'outbox', 'chat_messages', 'kv', 'digests'] as const;
const BOOLEAN_COLUMNS: Readonly<Record<string, readonly string[]>> = { requests: ['break_glass', 'auto_approved'] };
/** Columns fed by a sequence in PostgreSQL, set past the copied ids afterwards. */
const SERIALS: readonly [string, string][] = [
  ['requests', 'id'],
  ['reviews', 'id'],
  ['outbox', 'id'],
];
const ROWS_PER_INSERT = 500;
const ROWS_PER_READ = 5_000;

export class CopyRefused extends Error {}

export async function copySqliteInto(target: Store, sqlitePath: string): Promise<{ tables: Record<string, number> }> {
  if (!(target instanceof SqlStore) || target.kind !== 'postgres') throw new CopyRefused('the target of a copy must be a PostgreSQL store (DATABASE_URL=postgres://…)');
  const source = openSqliteEngine(sqlitePath); // brings an older file up to today's schema first; no row is changed
  const tables: Record<string, number> = {};
  try {
    await target.engineForCopy().transaction(async (into) => {
      for (const table of TABLES) {
        const existing = await into.all(`SELECT count(*) AS n FROM ${table}`);
        if (Number(existing[0]?.n ?? 0) > 0) throw new CopyRefused(`the PostgreSQL database already holds ${table}; copy into an empty, freshly migrated database`);
      }
      for (const table of TABLES) {
        let copied = 0;
        for (let offset = 0; ; offset += ROWS_PER_READ) {
          const rows = await source.read((from) => from.all(`SELECT * FROM ${table} ORDER BY rowid LIMIT ? OFFSET ?`, [ROWS_PER_READ, offset]));
          for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
            const chunk = rows.slice(i, i + ROWS_PER_INSERT);
            const { sql, params } = insertMany(table, chunk);
            await into.run(sql, params);
          }
          copied += rows.length;
          if (rows.length < ROWS_PER_READ) break;
        }
        tables[table] = copied;
      }
      for (const [table, column] of SERIALS) {
        await into.all(`SELECT setval(pg_get_serial_sequence('${table}', '${column}'), coalesce((SELECT max(${column}) FROM ${table}), 0) + 1, false)`);
      }
    });
  } finally {
    await source.close();
  }
  return { tables };
}

function insertMany(table: string, rows: SqlRow[]): { sql: string; params: SqlValue[] } {
  const columns = Object.keys(rows[0]!);
  const booleans = new Set(BOOLEAN_COLUMNS[table] ?? []);
  const params: SqlValue[] = [];
  const tuples = rows.map((row) => {
    for (const column of columns) {
      const value = row[column] as SqlValue;
      params.push(booleans.has(column) ? Boolean(value) : value);
    }
    return `(${columns.map(() => '?').join(', ')})`;
  });
  return { sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params };
}
