/** Audit export for auditors: JSON Lines or CSV, optionally from a date on. */
import type { StoreReads } from '../../db/store/port.ts';
import { requestRef } from '../domain/request-id.ts';

const EXPORT_COLUMNS = ['seq', 'at', 'actor', 'action', 'request', 'grant_id', 'from_status', 'to_status', 'details', 'prev_hash', 'hash'] as const;

export async function* exportAudit(store: StoreReads, format: 'jsonl' | 'csv', since?: number): AsyncGenerator<string> {
  const rows = store.auditRows(since === undefined ? {} : { since });
  if (format === 'csv') yield EXPORT_COLUMNS.join(',');
  for await (const row of rows) {
    const record = {
      seq: row.seq,
      at: new Date(row.at).toISOString(),
      actor: row.actor,
      action: row.action,
      request: row.requestId === null ? null : requestRef(row.requestId),
      grant_id: row.grantId,
      from_status: row.fromStatus,
      to_status: row.toStatus,
    };
    if (format === 'jsonl') {
      // `details` is stored as JSON text: parsed only to be sure the line stays valid JSON (a broken value
      // stops the export, as before), then written as stored — the exact bytes the row's hash covers, and the
      // same text re-serialising gave for everything the core writes, without building and re-encoding it.
      JSON.parse(row.details);
      yield `${JSON.stringify(record).slice(0, -1)},"details":${row.details},"prev_hash":${JSON.stringify(row.prevHash)},"hash":${JSON.stringify(row.hash)}}`;
    } else {
      const cells: Record<(typeof EXPORT_COLUMNS)[number], unknown> = { ...record, details: row.details, prev_hash: row.prevHash, hash: row.hash };
      yield EXPORT_COLUMNS.map((column) => csvCell(cells[column])).join(',');
    }
  }
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // Quote per RFC 4180; prefix formula starters so spreadsheet tools never execute audit content.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
