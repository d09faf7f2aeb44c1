/**
 * Credentials held until expiry are stored only sealed: AES-256-GCM with a random 96-bit IV, written as
 * `v2.<iv>.<tag>.<ciphertext>` (base64url). The grant they were issued for — grant id, request id and the
 * holder's identities — is bound in as associated data: opening checks the tag against the grant being opened,
 * so credentials copied onto another grant's row (or any change to the text) throw instead of showing them to
 * that grant's holder.
 *
 * `v1.` rows (sealed before the binding existed, without associated data) still open, so access granted before
 * an upgrade keeps its credentials; `isUnboundSeal` tells the caller to re-seal them bound.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { credentialsSchema } from './settings.ts';
import type { RequestId } from '../domain/request-id.ts';

const VERSION = 'v2';
const UNBOUND_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The grant sealed credentials belong to. The holder is the request's requester, as its row records them. */
export interface CredentialBinding {
  grantId: string;
  requestId: RequestId;
  holder: { email?: string | null; slackId?: string | null; teamsId?: string | null };
}

/** Reads `ACCESSBOT_SECRET_KEY` (64 hex characters) into a 32-byte key; throws a message that names the fix. */
export function parseSecretKey(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex.trim())) {
    throw new Error('ACCESSBOT_SECRET_KEY must be 64 hex characters (create one with `openssl rand -hex 32`)');
  }
  return Buffer.from(hex.trim(), 'hex');
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('credential key must be 32 bytes');
}

/** Unambiguous bytes for the binding: a JSON array, every identity present (null when unknown). */
function associatedData(binding: CredentialBinding): Buffer {
  const { grantId, requestId, holder } = binding;
  return Buffer.from(JSON.stringify(['accessbot credentials', grantId, requestId, holder.email ?? null, holder.slackId ?? null, holder.teamsId ?? null]), 'utf8');
}

export function sealCredentials(key: Buffer, creds: Record<string, string>, binding: CredentialBinding): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(binding));
  const plaintext = Buffer.from(JSON.stringify(creds), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** True for a row sealed the old way (no binding): it opens, and should be re-sealed with sealCredentials. */
export function isUnboundSeal(sealed: string): boolean {
  return sealed.startsWith(`${UNBOUND_VERSION}.`);
}

/** Opens credentials sealed for `binding`; throws when they were sealed for another grant, changed, or the key is wrong. */
export function openCredentials(key: Buffer, sealed: string, binding: CredentialBinding): Record<string, string> {
  assertKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || (parts[0] !== VERSION && parts[0] !== UNBOUND_VERSION)) throw new Error('sealed credentials: unknown format');
  const [version, ivText, tagText, ctText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('sealed credentials: bad IV or tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  if (version === VERSION) decipher.setAAD(associatedData(binding));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]);
  } catch {
    throw new Error('sealed credentials: authentication failed (wrong key, tampered data, or sealed for another grant)');
  }
  return credentialsSchema.parse(JSON.parse(plaintext.toString('utf8')));
}
