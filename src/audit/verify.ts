/**
 * Walks the whole chain and names the first row that does not fit.
 *
 * Rows before the `audit.keyed` row are plain SHA-256 (a log written before keying verifies as it always did);
 * from it on every row must carry the HMAC of the key in force (`audit.keyed`, then each `audit.key_rotated`,
 * signed with the old key). Someone who rewrites the database without the key cannot produce those, nor strip
 * the keyed rows and recompute a plain chain: with a key configured, a log that was never keyed is reported too.
 * Checkpoints taken earlier and kept off the machine pin rows to their hashes, which also catches a log cut back
 * or rewritten by someone who did hold the key after the checkpoint was posted.
 */
import type { StoreReads } from '../../db/store/port.ts';
import { GENESIS_HASH, detailText, hashRow, readAuditHead, signRow } from './chain.ts';
import { checkpointSignedBy, type Checkpoint } from './checkpoint.ts';
import { findAuditKey, processAuditKeyring, sameHex, type AuditKeyring } from './key.ts';

export interface VerifyOptions {
  /** Keys to check keyed rows and checkpoint signatures with (default: the process's). */
  keyring?: AuditKeyring;
  /** Checkpoints the log must agree with. */
  checkpoints?: readonly Checkpoint[];
}

/** How the log is keyed, as its rows say. */
export interface Keying {
  /** The first keyed row (`audit.keyed`); null: no row is keyed. */
  keyedFrom: number | null;
  /** The key of the last row (null: unkeyed). */
  keyId: string | null;
  /** Keys used, in order. */
  keys: string[];
}

export interface CheckpointCheck {
  checkpoint: Checkpoint;
  /** 'signed': the signature was made by that audit key; 'unsigned': none to check; 'key missing': not checkable here. */
  signature: 'signed' | 'unsigned' | 'key missing';
}

export type VerifyFailure = 'tampered' | 'unverifiable' | 'unkeyed';

export type VerifyResult =
  | { ok: true; rows: number; headSeq: number; headHash: string; keying: Keying; checkpoints: CheckpointCheck[] }
  | {
      ok: false;
      rows: number;
      seq: number;
      problem: string;
      /**
       * 'tampered': the log does not fit; 'unverifiable': a key needed to check it is not configured; 'unkeyed': a
       * key is configured but no row is keyed (stripped and recomputed, or the key was only just set).
       */
      kind: VerifyFailure;
      keying: Keying;
    };

export async function verifyAuditChain(store: StoreReads, options: VerifyOptions = {}): Promise<VerifyResult> {
  const keyring = options.keyring ?? processAuditKeyring();
  const keying: Keying = { keyedFrom: null, keyId: null, keys: [] };
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  const fail = (seq: number, problem: string, kind: VerifyFailure = 'tampered'): VerifyResult => ({ ok: false, rows, seq, problem, kind, keying });

  // Checkpoints first: a forged one proves nothing, so its signature must hold where it can be checked.
  const checks: CheckpointCheck[] = [];
  const pinned = new Map<number, Checkpoint[]>();
  for (const checkpoint of options.checkpoints ?? []) {
    let signature: CheckpointCheck['signature'] = 'unsigned';
    if (checkpoint.signature !== null && checkpoint.keyId !== null) {
      const key = findAuditKey(keyring, checkpoint.keyId);
      if (!key) signature = 'key missing';
      else if (checkpointSignedBy(checkpoint, key)) signature = 'signed';
      else return fail(checkpoint.seq, `the checkpoint for row ${checkpoint.seq} does not carry a valid signature of audit key ${checkpoint.keyId}: it was altered or forged`);
    }
    checks.push({ checkpoint, signature });
    pinned.set(checkpoint.seq, [...(pinned.get(checkpoint.seq) ?? []), checkpoint]);
  }

  for await (const row of store.auditRows()) {
    rows++;
    if (row.seq !== expectedSeq) {
      return fail(row.seq, row.seq > expectedSeq ? `row ${expectedSeq} is missing (deleted?); next row is ${row.seq}` : `row ${row.seq} is out of order`);
    }
    if (row.prevHash !== prevHash) return fail(row.seq, `row ${row.seq} does not follow row ${row.seq - 1} (previous hash differs: a row was changed, removed or inserted)`);

    // Which key signs this row: the chain's, or the one an `audit.keyed` row starts with.
    let signer = keying.keyId;
    let nextKey = keying.keyId;
    if (row.action === 'audit.keyed') {
      const named = detailText(row.details, 'key_id');
      if (!named) return fail(row.seq, `row ${row.seq} starts keying without naming a key`);
      if (keying.keyId !== null && named !== keying.keyId) {
        return fail(row.seq, `row ${row.seq} switches the chain to key ${named} without an audit.key_rotated row signed by key ${keying.keyId}`);
      }
      signer = named;
      nextKey = named;
      if (keying.keyedFrom === null) keying.keyedFrom = row.seq;
    } else if (row.action === 'audit.key_rotated') {
      const from = detailText(row.details, 'from_key_id');
      const to = detailText(row.details, 'to_key_id');
      if (keying.keyId === null || from !== keying.keyId || !to) {
        return fail(row.seq, `row ${row.seq} rotates the audit key but does not follow from the chain's key (${keying.keyId ?? 'none: the chain is not keyed'})`);
      }
      nextKey = to;
    }

    if (signer === null) {
      if (hashRow(row) !== row.hash) return fail(row.seq, `row ${row.seq} was edited (its content no longer matches its hash)`);
    } else {
      const key = findAuditKey(keyring, signer);
      if (!key) {
        return fail(
          row.seq,
          `rows from ${row.seq} on are keyed with audit key ${signer}, which is not configured here${keyring.current ? ` (ACCESSBOT_AUDIT_KEY is key ${keyring.current.id})` : ''}: set it as ACCESSBOT_AUDIT_KEY or in ACCESSBOT_AUDIT_PREVIOUS_KEYS to check them. If no such key was ever used, the log was rewritten`,
          'unverifiable',
        );
      }
      if (!sameHex(signRow(row, key), row.hash)) {
        const plain = hashRow(row) === row.hash;
        return fail(
          row.seq,
          plain
            ? `row ${row.seq} was rewritten without the audit key: the chain is keyed with key ${signer} from row ${keying.keyedFrom ?? row.seq}, but this row carries a plain SHA-256 hash (rewritten by someone without the key, or written by a process that lacks ACCESSBOT_AUDIT_KEY)`
            : `row ${row.seq} was edited (its content no longer matches its keyed hash under audit key ${signer})`,
        );
      }
    }
    if (nextKey !== null && !keying.keys.includes(nextKey)) keying.keys.push(nextKey);
    keying.keyId = nextKey;

    for (const checkpoint of pinned.get(row.seq) ?? []) {
      if (checkpoint.hash !== row.hash) {
        return fail(row.seq, `row ${row.seq} does not match the checkpoint${checkpoint.at !== null ? ` taken at ${new Date(checkpoint.at).toISOString()}` : ''} (hash ${checkpoint.hash.slice(0, 16)}…, the log has ${row.hash.slice(0, 16)}…): the log was rewritten at or before row ${row.seq} after the checkpoint was taken`);
      }
    }
    prevHash = row.hash;
    expectedSeq++;
  }

  const lastSeq = expectedSeq - 1;
  const beyond = [...pinned.keys()].filter((seq) => seq > lastSeq).sort((a, b) => a - b)[0];
  if (beyond !== undefined) return fail(beyond, `a checkpoint names row ${beyond} but the log ends at row ${lastSeq}: rows were cut from the end (or the checkpoint belongs to another log)`);

  const head = await readAuditHead(store);
  if (head && (head.seq !== lastSeq || head.hash !== prevHash)) {
    if (head.seq > lastSeq) return fail(expectedSeq, `rows ${expectedSeq}–${head.seq} are missing from the end of the log`);
    return fail(head.seq, `the recorded head (row ${head.seq}) does not match the last row`);
  }
  if (keyring.current && keying.keyedFrom === null && rows > 0) {
    return fail(
      1,
      `the log is not keyed, yet audit key ${keyring.current.id} is configured: no row carries an audit.keyed row's signature. If accessbot has run with this key, the keyed rows were stripped and the chain recomputed (rewritten); if the key was only just set, start accessbot once (it keys the log at start) and verify again`,
      'unkeyed',
    );
  }
  return { ok: true, rows, headSeq: lastSeq, headHash: prevHash, keying, checkpoints: checks };
}
