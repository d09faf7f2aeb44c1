/**
 * The tamper-evident audit log. Each row stores the previous row's hash and a hash of its own canonical content,
 * so editing, deleting or re-ordering any row breaks the chain from that row on. Rows are appended inside the
 * transaction that makes the change they describe; SQLite triggers refuse UPDATE and DELETE.
 *
 * Keyed chain. A plain SHA-256 chain can be recomputed by anyone who can write the database, so once an audit
 * key is configured (src/audit/key.ts) each row's hash is an HMAC-SHA256 of its content under that key, which
 * is not in the database:
 *   - the first keyed row is an `audit.keyed` event naming the key's id, itself keyed; rows before it stay plain
 *     SHA-256 and verify as before (old logs keep verifying);
 *   - a new key takes over with an `audit.key_rotated` row signed with the old key and naming the new key's id;
 *     rows after it are keyed with the new key.
 * Both rows are written by `appendAudit` itself, in the transaction of the first event it appends with a new
 * key (and by the scheduler at start), so every writer is keyed without knowing about it. `verify.ts` walks the
 * same rules back; the checkpoints posted off the machine (checkpoint.ts) anchor the head.
 */
import * as crypto from 'node:crypto';
import type { StoreReads, UnitOfWork } from '../../db/store/port.ts';
import type { AuditRow } from '../../db/store/records.ts';
import type { AuditEvent } from './events.ts';
import { AUDIT_HMAC, findAuditKey, hmacHex, processAuditKeyring, type AuditKey, type AuditKeyring } from './key.ts';
import type { RequestId } from '../domain/request-id.ts';

export type { AuditRow } from '../../db/store/records.ts';

export const GENESIS_HASH = '0'.repeat(64);
export const AUDIT_HEAD_KEY = 'audit.head';

/** One event to append: who, when and about what, plus the action and its details (src/audit/events.ts). */
export type AuditInput = AuditEvent & {
  at: number;
  /** Who: an email, `slack:U…`, `teams:…`, `cli:<user>` or `system`. */
  actor: string;
  requestId?: RequestId | null;
  grantId?: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
};

/** The head as recorded next to the rows: the last row, and the key that signs the next one (null: unkeyed). */
export interface AuditHead {
  seq: number;
  hash: string;
  /** Absent in heads written before the chain could be keyed. */
  key?: string | null;
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

/**
 * SHA-256 as hex. `crypto.hash` (Node 20.12+) is the one-shot form, about twice as fast as a Hash object per
 * row, which counts when `audit verify` or a bulk load hashes millions; older Node 20 gets the same bytes the
 * long way.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** The hash of an unkeyed row (SHA-256): rows written before the chain was keyed, or without a key. */
export function hashRow(row: Omit<AuditRow, 'hash'>): string {
  return sha256Hex(canonicalContent(row));
}

/** The hash of a keyed row: HMAC-SHA256 of the same content under the audit key. */
export function signRow(row: Omit<AuditRow, 'hash'>, key: AuditKey): string {
  return hmacHex(key, canonicalContent(row));
}

/**
 * Append one event. Call inside the unit of work of the change it records. With a key that does not key the
 * chain yet, the `audit.keyed` (or `audit.key_rotated`) row goes in first, in the same unit of work.
 */
export async function appendAudit(uow: UnitOfWork, input: AuditInput, keyring: AuditKeyring = processAuditKeyring()): Promise<AuditRow> {
  let state = await keyAuditChain(uow, input.at, keyring);
  const row = await insertRow(uow, state, input, signerFor(state.key, keyring));
  state = { last: row, key: state.key };
  await writeHead(uow, state, input.at);
  chainInUnit.set(uow, state);
  return row;
}

/**
 * Append several events in this order, as `appendAudit` one after another would (same rows, same hashes), in
 * one multi-row insert and one head write: the tail of a batch of expiries or of a group commit of revokes.
 */
export async function appendAudits(uow: UnitOfWork, inputs: readonly AuditInput[], keyring: AuditKeyring = processAuditKeyring()): Promise<AuditRow[]> {
  const first = inputs[0];
  if (first === undefined) return [];
  const state = await keyAuditChain(uow, first.at, keyring);
  const signer = signerFor(state.key, keyring);
  const rows: AuditRow[] = [];
  let last = state.last;
  for (const input of inputs) {
    const row = chainedRow(last, input, signer);
    rows.push(row);
    last = row;
  }
  await uow.insertAuditRows(rows);
  const next = { last, key: state.key };
  await writeHead(uow, next, inputs[inputs.length - 1]!.at);
  chainInUnit.set(uow, next);
  return rows;
}

/**
 * The chain as this unit of work's own last append left it. A unit of work is one serialised transaction, so
 * nobody else appends meanwhile: a transaction that records many events (a batch of expiries, a group commit
 * of revokes) reads the chain's tail and head record once instead of once per event. Every append in the
 * codebase goes through this module (`appendAudits` inserts its rows with `insertAuditRows` and records the new
 * tail here); the bulk loader's own `insertAuditRows` runs in transactions of its own.
 */
const chainInUnit = new WeakMap<UnitOfWork, ChainState>();

/**
 * Make the chain keyed with the keyring's current key: append `audit.keyed` to an unkeyed chain, or
 * `audit.key_rotated` (signed with the old key) to a chain keyed with a previous key. Nothing when it already
 * is, when there is no current key, or when the chain's key is unknown here (see `keyStateProblem`).
 */
export async function keyAuditChain(uow: UnitOfWork, at: number, keyring: AuditKeyring = processAuditKeyring()): Promise<ChainState> {
  const state = chainInUnit.get(uow) ?? (await chainState(uow));
  const current = keyring.current;
  if (!current || state.key === current.id) return state;
  let next: ChainState;
  if (state.key === null) {
    const row = await insertRow(uow, state, { at, actor: 'system', action: 'audit.keyed', details: { key_id: current.id, algorithm: AUDIT_HMAC, source: current.source } }, current);
    next = { last: row, key: current.id };
  } else {
    const old = findAuditKey(keyring, state.key);
    if (!old) return state;
    const row = await insertRow(uow, state, { at, actor: 'system', action: 'audit.key_rotated', details: { from_key_id: old.id, to_key_id: current.id, algorithm: AUDIT_HMAC } }, old);
    next = { last: row, key: current.id };
  }
  await writeHead(uow, next, at);
  chainInUnit.set(uow, next);
  return next;
}

export interface ChainState {
  last: Pick<AuditRow, 'seq' | 'hash'> | null;
  /** The id of the key that signs the next row; null: unkeyed. */
  key: string | null;
}

/** The last row and the chain's key: from the head record when it matches the last row, else from the rows. */
export async function chainState(reads: StoreReads): Promise<ChainState> {
  const last = await reads.lastAuditRow();
  if (!last) return { last: null, key: null };
  const head = await readAuditHead(reads);
  if (head && head.seq === last.seq && head.hash === last.hash && head.key !== undefined) return { last, key: head.key };
  // A head written before keying existed (or out of step): find the key the rows name. Once per such log.
  return { last, key: await keyNamedByRows(reads) };
}

/** The key that signs the row after the last one, as the `audit.keyed` and `audit.key_rotated` rows say. */
async function keyNamedByRows(reads: StoreReads): Promise<string | null> {
  let key: string | null = null;
  for await (const row of reads.auditRows()) {
    if (row.action === 'audit.keyed' && key === null) key = detailText(row.details, 'key_id') ?? key;
    else if (row.action === 'audit.key_rotated') key = detailText(row.details, 'to_key_id') ?? key;
  }
  return key;
}

/** The key that signs the next row: the chain's own (null when the chain is unkeyed, or its key is not here). */
function signerFor(chainKey: string | null, keyring: AuditKeyring): AuditKey | null {
  return chainKey === null ? null : findAuditKey(keyring, chainKey);
}

async function insertRow(uow: UnitOfWork, state: ChainState, input: AuditInput, key: AuditKey | null): Promise<AuditRow> {
  const row = chainedRow(state.last, input, key);
  await uow.insertAuditRow(row);
  return row;
}

/** The row that follows `last` in the chain, hashed (or signed with `key`). */
function chainedRow(last: ChainState['last'], input: AuditInput, key: AuditKey | null): AuditRow {
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
  return { ...base, hash: key ? signRow(base, key) : hashRow(base) };
}

/** The head anchor lets `audit verify` notice rows cut from the end of the chain (checkpoints do it off the machine). */
async function writeHead(uow: UnitOfWork, state: ChainState, at: number): Promise<void> {
  if (!state.last) return;
  const head: AuditHead = { seq: state.last.seq, hash: state.last.hash, key: state.key };
  await uow.kvPut(AUDIT_HEAD_KEY, JSON.stringify(head), at);
}

export async function readAuditHead(reads: StoreReads): Promise<AuditHead | null> {
  const value = await reads.kvGet(AUDIT_HEAD_KEY);
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as Partial<AuditHead> | null;
    if (!parsed || typeof parsed.seq !== 'number' || typeof parsed.hash !== 'string') return null;
    const head: AuditHead = { seq: parsed.seq, hash: parsed.hash };
    if (parsed.key === null || typeof parsed.key === 'string') head.key = parsed.key;
    return head;
  } catch {
    return null;
  }
}

/** A text field of a row's details, or null. */
export function detailText(details: string, field: string): string | null {
  try {
    const parsed: unknown = JSON.parse(details);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const value = (parsed as Record<string, unknown>)[field];
      return typeof value === 'string' && value !== '' ? value : null;
    }
  } catch {
    // not an object: no field
  }
  return null;
}
