/**
 * The tamper-evident audit log. Each row stores the previous row's hash and the SHA-256 of its own canonical
 * content, so editing, deleting or re-ordering any row breaks the chain from that row on. Rows are appended
 * inside the transaction that makes the change they describe; SQLite triggers refuse UPDATE and DELETE.
 */
import { createHash } from 'node:crypto';
import type { StoreReads, UnitOfWork } from '../../db/store/port.ts';
import type { AuditRow } from '../../db/store/records.ts';
import type { AuditEvent } from './events.ts';

export type { AuditRow } from '../../db/store/records.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_HEAD_KEY = 'audit.head';

/** One event to append: who, when and about what, plus the action and its details (src/audit/events.ts). */
export type AuditInput = AuditEvent & {
  at: number;
  /** Who: an email, `slack:U…`, `teams:…`, `cli:<user>` or `system`. */
  actor: string;
  requestId?: number | null;
  grantId?: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
};

/** The exact bytes that are hashed: every column but the hash itself, in a fixed order. */
function canonicalContent(row: Omit<AuditRow, 'hash'>): string {
  return JSON.stringify([
    row.seq,
    row.at,
    row.actor,
    row.action,
    row.requestId,
    row.grantId,
    row.fromStatus,
    row.toStatus,
    row.details,
    row.prevHash,
  ]);
}

export function hashRow(row: Omit<AuditRow, 'hash'>): string {
  return createHash('sha256').update(canonicalContent(row)).digest('hex');
}

/** Append one event. Call inside the unit of work of the change it records. */
export async function appendAudit(uow: UnitOfWork, input: AuditInput): Promise<AuditRow> {
  const last = await uow.lastAuditRow();
  const base: Omit<AuditRow, 'hash'> = {
    seq: (last?.seq ?? 0) + 1,
    at: input.at,
    actor: input.actor,
    action: input.action,
    requestId: input.requestId ?? null,
    grantId: input.grantId ?? null,
    fromStatus: input.fromStatus ?? null,
    toStatus: input.toStatus ?? null,
    details: JSON.stringify(input.details),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const row: AuditRow = { ...base, hash: hashRow(base) };
  await uow.insertAuditRow(row);
  // The head anchor lets `audit verify` notice rows cut from the end of the chain.
  const head = JSON.stringify({ seq: row.seq, hash: row.hash });
  await uow.kvPut(AUDIT_HEAD_KEY, head, input.at);
  return row;
}

export async function readAuditHead(reads: StoreReads): Promise<{ seq: number; hash: string } | null> {
  const value = await reads.kvGet(AUDIT_HEAD_KEY);
  return value !== null ? (JSON.parse(value) as { seq: number; hash: string }) : null;
}
