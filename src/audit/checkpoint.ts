/**
 * Audit checkpoints: the chain head (sequence and full hash) at a time, signed with the audit key, posted off the
 * machine — to the audit channel and optionally to an append-only sink — the way CloudTrail signs digest files.
 * Whoever later rewrites the database cannot reach these copies, so `accessbot audit verify --checkpoint …`
 * proves the log against them: the row at that sequence must still have that hash, and the chain from it on must
 * verify.
 *
 * The text form is one line, the same in chat, in files and in the sink's JSON:
 *   accessbot-checkpoint v1 seq=42 hash=<64 hex> at=2026-01-05T09:15:00.000Z key=<key id> sig=<64 hex>
 * `sig` is HMAC-SHA256 under the audit key of everything before " sig="; an unkeyed install posts `key=none`
 * and no signature (still an anchor, just not provably ours).
 */
import { hmacHex, sameHex, type AuditKey } from './key.ts';

export interface Checkpoint {
  seq: number;
  hash: string;
  /** When it was taken (epoch ms); null for one typed as SEQ:HASH. */
  at: number | null;
  /** The audit key that signed it; null: unsigned. */
  keyId: string | null;
  signature: string | null;
}

/** A checkpoint as the sink receives it (and as `accessbot audit checkpoint --json` prints it). */
export interface CheckpointRecord {
  type: 'accessbot.audit.checkpoint';
  version: 1;
  seq: number;
  hash: string;
  at: string | null;
  key_id: string | null;
  signature: string | null;
  /** The signed text line. */
  line: string;
}

const PREFIX = 'accessbot-checkpoint v1';
const HEX64 = /^[0-9a-f]{64}$/;

export function makeCheckpoint(head: { seq: number; hash: string }, at: number, key: AuditKey | null): Checkpoint {
  const unsigned: Checkpoint = { seq: head.seq, hash: head.hash, at, keyId: key?.id ?? null, signature: null };
  return key ? { ...unsigned, signature: hmacHex(key, signedText(unsigned)) } : unsigned;
}

/** The exact text a checkpoint's signature covers. */
function signedText(cp: Checkpoint): string {
  return `${PREFIX} seq=${cp.seq} hash=${cp.hash} at=${cp.at === null ? 'none' : new Date(cp.at).toISOString()} key=${cp.keyId ?? 'none'}`;
}

export function checkpointLine(cp: Checkpoint): string {
  return cp.signature ? `${signedText(cp)} sig=${cp.signature}` : signedText(cp);
}

export function checkpointRecord(cp: Checkpoint): CheckpointRecord {
  return {
    type: 'accessbot.audit.checkpoint',
    version: 1,
    seq: cp.seq,
    hash: cp.hash,
    at: cp.at === null ? null : new Date(cp.at).toISOString(),
    key_id: cp.keyId,
    signature: cp.signature,
    line: checkpointLine(cp),
  };
}

/** True when `key` made the checkpoint's signature. */
export function checkpointSignedBy(cp: Checkpoint, key: AuditKey): boolean {
  return cp.signature !== null && cp.keyId === key.id && sameHex(hmacHex(key, signedText(cp)), cp.signature);
}

/** `SEQ:HASH` as typed after `--checkpoint`; null when it is not that. */
export function parseCheckpointArg(text: string): Checkpoint | null {
  const match = /^#?(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!match) return null;
  const seq = Number(match[1]);
  return seq >= 1 ? { seq, hash: match[2]!.toLowerCase(), at: null, keyId: null, signature: null } : null;
}

const LINE = /accessbot-checkpoint v1 seq=(\d{1,15}) hash=([0-9a-f]{64}) at=(\S+) key=([0-9a-f]{16}|none)(?: sig=([0-9a-f]{64}))?/;

/**
 * The checkpoints in a file: one per line, each the text line (also found inside a pasted chat message), a JSON
 * record from the sink, or `SEQ:HASH`. Blank lines and `#` comments are skipped; anything else is an error
 * naming the line.
 */
export function parseCheckpointFile(text: string): { checkpoints: Checkpoint[]; problems: string[] } {
  const checkpoints: Checkpoint[] = [];
  const problems: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || (line.startsWith('#') && !/^#\d+:/.test(line))) continue;
    const found = fromLine(line) ?? (line.startsWith('{') ? fromJson(line) : null) ?? parseCheckpointArg(line);
    if (found) checkpoints.push(found);
    else problems.push(`line ${index + 1}: not a checkpoint (expected "${PREFIX} seq=… hash=…", a JSON record, or SEQ:HASH)`);
  }
  return { checkpoints, problems };
}

function fromLine(line: string): Checkpoint | null {
  const match = LINE.exec(line);
  if (!match) return null;
  const at = match[3] === 'none' ? null : Date.parse(match[3]!);
  if (at !== null && Number.isNaN(at)) return null;
  return { seq: Number(match[1]), hash: match[2]!, at, keyId: match[4] === 'none' ? null : match[4]!, signature: match[5] ?? null };
}

function fromJson(line: string): Checkpoint | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const record = value as Partial<Record<keyof CheckpointRecord, unknown>>;
  // The signed line is the source of truth when present; the fields must agree with it.
  if (typeof record.line === 'string') return fromLine(record.line);
  if (typeof record.seq !== 'number' || !Number.isInteger(record.seq) || record.seq < 1 || typeof record.hash !== 'string' || !HEX64.test(record.hash)) return null;
  const at = typeof record.at === 'string' ? Date.parse(record.at) : NaN;
  return {
    seq: record.seq,
    hash: record.hash,
    at: Number.isNaN(at) ? null : at,
    keyId: typeof record.key_id === 'string' ? record.key_id : null,
    signature: typeof record.signature === 'string' && HEX64.test(record.signature) ? record.signature : null,
  };
}
