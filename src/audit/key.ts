/**
 * The audit key: a secret kept outside the database that keys the audit chain (each row's hash is an
 * HMAC-SHA256 of its content, including the previous row's hash) and signs checkpoints. Someone who can write
 * the database but does not hold the key can no longer recompute a chain that verifies.
 *
 * Where the key comes from, in order:
 *   1. ACCESSBOT_AUDIT_KEY (64 hex characters) — recommended: keep it apart from the database and its backups.
 *   2. Derived from ACCESSBOT_SECRET_KEY with HKDF-SHA256 (info "accessbot audit chain v1"), so an install that
 *      already seals credentials is keyed without another secret. It lives next to the credential key, so an
 *      attacker with both the database and that key can still rewrite the log: set (1) to separate them.
 *   3. None: rows are hash-chained only (SHA-256) and `keyStateProblem` says so loudly at start, in every
 *      checkpoint run and in `accessbot audit verify`.
 * Earlier keys (ACCESSBOT_AUDIT_PREVIOUS_KEYS, and the derived key while ACCESSBOT_SECRET_KEY is still set next
 * to an explicit ACCESSBOT_AUDIT_KEY) verify the rows they signed and sign the rotation row (src/audit/chain.ts).
 *
 * The keyring writers use is the process's: installed by the composition root or a test (`installAuditKeyring`),
 * else read once from the process environment, so every use case that appends an audit row is keyed without
 * carrying the key through its arguments.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { auditEnv, type Config } from '../config/env.ts';

export type AuditKeySource = 'ACCESSBOT_AUDIT_KEY' | 'ACCESSBOT_SECRET_KEY' | 'ACCESSBOT_AUDIT_PREVIOUS_KEYS';

export interface AuditKey {
  /** A public name for the key (16 hex characters of a hash of it); recorded in the log and in checkpoints. */
  readonly id: string;
  readonly secret: Buffer;
  /** Where it came from (`ACCESSBOT_SECRET_KEY`: derived from it). */
  readonly source: AuditKeySource;
}

export interface AuditKeyring {
  /** Keys new rows and signs checkpoints; null: the chain is unkeyed. */
  readonly current: AuditKey | null;
  /** Earlier keys: verify the rows they signed, and sign the row that rotates to `current`. */
  readonly previous: readonly AuditKey[];
}

export const UNKEYED: AuditKeyring = { current: null, previous: [] };
export const AUDIT_HMAC = 'HMAC-SHA256';

export function auditKeyId(secret: Buffer): string {
  return createHash('sha256').update('accessbot audit key id\0').update(secret).digest('hex').slice(0, 16);
}

export function auditKey(secret: Buffer, source: AuditKeySource): AuditKey {
  if (secret.length !== 32) throw new Error('an audit key is 32 bytes (64 hex characters)');
  return { id: auditKeyId(secret), secret, source };
}

/** The audit key derived from ACCESSBOT_SECRET_KEY (HKDF-SHA256); never the credential key itself. */
export function deriveAuditKey(secretKey: Buffer): AuditKey {
  const derived = Buffer.from(hkdfSync('sha256', secretKey, Buffer.from('accessbot'), Buffer.from('accessbot audit chain v1'), 32));
  return auditKey(derived, 'ACCESSBOT_SECRET_KEY');
}

/** The keyring a configuration describes (see the top of this file for the order). */
export function auditKeyringFor(config: Pick<Config, 'secretKey' | 'auditKey' | 'auditPreviousKeys'>): AuditKeyring {
  const derived = config.secretKey ? deriveAuditKey(config.secretKey) : null;
  const current = config.auditKey ? auditKey(config.auditKey, 'ACCESSBOT_AUDIT_KEY') : derived;
  const previous: AuditKey[] = (config.auditPreviousKeys ?? []).map((secret) => auditKey(secret, 'ACCESSBOT_AUDIT_PREVIOUS_KEYS'));
  // Moving from the derived key to an explicit one: the derived key still verifies (and rotates away from) its rows.
  if (derived && current !== derived) previous.push(derived);
  const unique = new Map<string, AuditKey>();
  for (const key of previous) if (key.id !== current?.id && !unique.has(key.id)) unique.set(key.id, key);
  return { current, previous: [...unique.values()] };
}

/** The keyring of an environment (only the audit variables are read and checked). */
export function auditKeyringFromEnv(env: Readonly<Record<string, string | undefined>>): AuditKeyring {
  return auditKeyringFor(auditEnv(env));
}

export function findAuditKey(keyring: AuditKeyring, id: string): AuditKey | null {
  if (keyring.current?.id === id) return keyring.current;
  return keyring.previous.find((key) => key.id === id) ?? null;
}

export function hmacHex(key: AuditKey, message: string): string {
  return createHmac('sha256', key.secret).update(message, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && a.length === x.length * 2 && b.length === y.length * 2 && timingSafeEqual(x, y);
}

let installed: AuditKeyring | null = null;

/**
 * Set the keyring this process writes and verifies with (the composition root, the CLI, tests). `null` goes back
 * to reading the process environment at the next use.
 */
export function installAuditKeyring(keyring: AuditKeyring | null): void {
  installed = keyring;
}

/** The process's keyring: the installed one, else the process environment's (read once). */
export function processAuditKeyring(): AuditKeyring {
  installed ??= auditKeyringFromEnv(process.env);
  return installed;
}

/**
 * What is wrong with how this process keys a chain whose rows are currently keyed with `chainKeyId` (null:
 * unkeyed), said for an operator; null when nothing is.
 */
export function keyStateProblem(keyring: AuditKeyring, chainKeyId: string | null): { level: 'warn' | 'error'; message: string } | null {
  if (chainKeyId === null && keyring.current === null) {
    return {
      level: 'warn',
      message:
        'the audit log is NOT keyed: neither ACCESSBOT_AUDIT_KEY nor ACCESSBOT_SECRET_KEY is set, so anyone who can write the database can rewrite the log and recompute its hashes without being noticed. Set ACCESSBOT_AUDIT_KEY (`openssl rand -hex 32`, kept outside the database); until then only the checkpoints posted to the audit channel anchor it',
    };
  }
  if (chainKeyId !== null && !findAuditKey(keyring, chainKeyId)) {
    return {
      level: 'error',
      message: `the audit log is keyed with audit key ${chainKeyId}, which this process does not have (${keyring.current ? `ACCESSBOT_AUDIT_KEY is key ${keyring.current.id}` : 'no audit key is set'}): the rows it writes will not verify. Set that key as ACCESSBOT_AUDIT_KEY, or add it to ACCESSBOT_AUDIT_PREVIOUS_KEYS to rotate to the new one`,
    };
  }
  return null;
}
