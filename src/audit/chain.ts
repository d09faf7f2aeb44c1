/**
 * The tamper-evident audit log. Each row stores the previous row's hash and the SHA-256 of its own canonical
 * content, so editing, deleting or re-ordering any row breaks the chain from that row on. Rows are appended
 * inside the transaction that makes the change they describe; SQLite triggers refuse UPDATE and DELETE.
 */
import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { auditEvents, kv } from '../../db/schema.ts';
import type { Orm } from '../../db/client.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_HEAD_KEY = 'audit.head';

export interface AuditInput {
  at: number;
  /** Who: an email, `slack:U…`, `teams:…`, `cli:<user>` or `system`. */
  actor: string;
  /** What: e.g. request.created, review.approved, grant.active, grant.revoked. */
  action: string;
  requestId?: number | null;
  grantId?: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  requestId: number | null;
  grantId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  details: string;
  prevHash: string;
  hash: string;
}

/** The exact bytes that are hashed: every column but the hash itself, in a fixed order. */
export function canonicalContent(row: Omit<AuditRow, 'hash'>): string {
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

type Tx = Pick<Orm, 'select' | 'insert'>;

/** Append one event. Call inside the write transaction of the change it records. */
export function appendAudit(tx: Tx, input: AuditInput): AuditRow {
  const last = tx.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1).get();
  const base: Omit<AuditRow, 'hash'> = {
    seq: (last?.seq ?? 0) + 1,
    at: input.at,
    actor: input.actor,
    action: input.action,
    requestId: input.requestId ?? null,
    grantId: input.grantId ?? null,
    fromStatus: input.fromStatus ?? null,
    toStatus: input.toStatus ?? null,
    details: JSON.stringify(input.details ?? {}),
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const row: AuditRow = { ...base, hash: hashRow(base) };
  tx.insert(auditEvents).values(row).run();
  // The head anchor lets `audit verify` notice rows cut from the end of the chain.
  const head = JSON.stringify({ seq: row.seq, hash: row.hash });
  tx.insert(kv)
    .values({ key: AUDIT_HEAD_KEY, value: head, updatedAt: input.at })
    .onConflictDoUpdate({ target: kv.key, set: { value: head, updatedAt: input.at } })
    .run();
  return row;
}

export function readAuditHead(tx: Pick<Orm, 'select'>): { seq: number; hash: string } | null {
  const row = tx.select().from(kv).where(eq(kv.key, AUDIT_HEAD_KEY)).get();
  return row ? (JSON.parse(row.value) as { seq: number; hash: string }) : null;
}
