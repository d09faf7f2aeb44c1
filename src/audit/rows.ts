/** Streams audit rows straight from SQLite (constant memory, for verify, export and digests over millions of rows). */
import type { Db } from '../../db/client.ts';
import type { AuditRow } from './chain.ts';

interface RawRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  request_id: number | null;
  grant_id: string | null;
  from_status: string | null;
  to_status: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, actor, action, request_id, grant_id, from_status, to_status, details, prev_hash, hash';

export function* iterateAuditRows(db: Db, range: { since?: number; until?: number } = {}): Generator<AuditRow> {
  // Without a range, walk the primary key in order: no sort, constant memory, as verify needs.
  const rows =
    range.since === undefined && range.until === undefined
      ? db.sqlite.prepare<[], RawRow>(`SELECT ${COLUMNS} FROM audit_events ORDER BY seq`).iterate()
      : db.sqlite
          .prepare<[number, number], RawRow>(`SELECT ${COLUMNS} FROM audit_events WHERE at >= ? AND at < ? ORDER BY seq`)
          .iterate(range.since ?? Number.MIN_SAFE_INTEGER, range.until ?? Number.MAX_SAFE_INTEGER);
  for (const raw of rows) {
    yield {
      seq: raw.seq,
      at: raw.at,
      actor: raw.actor,
      action: raw.action,
      requestId: raw.request_id,
      grantId: raw.grant_id,
      fromStatus: raw.from_status,
      toStatus: raw.to_status,
      details: raw.details,
      prevHash: raw.prev_hash,
      hash: raw.hash,
    };
  }
}
