/**
 * Benchmark filler, deliberately NOT part of the Store port: copies a range of audit rows inside the database,
 * moved forward in seq, time and ids, in one INSERT … SELECT per call (no row crosses to the process). The copies
 * keep the originals' text — details and hashes — so the chain does not verify over them: they give a very big
 * log (the log-scale benchmark's 10M events) its real row size and index shape quickly. The bot itself has no way
 * to reach this: only the benchmark opens a filler, on its own connection to a benchmark database.
 */
import { openSqliteEngine } from '../sqlite/engine.ts';
import type { OpenStoreOptions } from './open.ts';
import type { Engine } from './sql/sql-store.ts';

/** How each copied row moves: the shifts are added, and the prefix goes before a non-null grant id. */
export interface AuditCopyShift {
  seq: number;
  at: number;
  /** Added to a non-null request id. */
  requestId: number;
  /** Put before a non-null grant id, so a copy's grants are distinct from the original's. */
  grantIdPrefix: string;
}

export interface AuditFiller {
  /** Appends moved copies of the rows `fromSeq`..`toSeq` in one transaction; the number of rows copied. */
  copy(range: { fromSeq: number; toSeq: number }, shift: AuditCopyShift): Promise<number>;
  close(): Promise<void>;
}

// The shared SQL subset of both engines (CAST keeps PostgreSQL from guessing the prefix's type).
const COPY_SQL = `INSERT INTO audit_events (seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash)
  SELECT seq + ?, at + ?, actor, action, request_id + ?, CASE WHEN grant_id IS NULL THEN NULL ELSE CAST(? AS text) || grant_id END,
         from_status, to_status, details, prev_hash, hash
    FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq`;

/** A filler on its own connection to an already migrated store (the same options `openStore` takes). */
export async function openAuditFiller(options: OpenStoreOptions): Promise<AuditFiller> {
  let engine: Engine;
  if (options.databaseUrl) {
    const { openPostgresEngine } = await import('../postgres/engine.ts');
    engine = await openPostgresEngine(options.databaseUrl, { migrate: false });
  } else {
    engine = openSqliteEngine(options.sqlitePath ?? './data/accessbot.db', { migrate: false });
  }
  return {
    copy: (range, shift) => engine.transaction((session) => session.run(COPY_SQL, [shift.seq, shift.at, shift.requestId, shift.grantIdPrefix, range.fromSeq, range.toSeq])),
    close: () => engine.close(),
  };
}
