/**
 * Credentials held until expiry are stored only sealed: AES-256-GCM with a random 96-bit IV, written as
 * `v1.<iv>.<tag>.<ciphertext>` (base64url). Opening checks the tag, so any change to the text throws.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { credentialsSchema } from './settings.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

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

export function sealCredentials(key: Buffer, creds: Record<string, string>): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const plaintext = Buffer.from(JSON.stringify(creds), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function openCredentials(key: Buffer, sealed: string): Record<string, string> {
  assertKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('sealed credentials: unknown format');
  const [, ivText, tagText, ctText] = parts as [string, string, string, string];
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('sealed credentials: bad IV or tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]);
  } catch {
    throw new Error('sealed credentials: authentication failed (wrong key or tampered data)');
  }
  return credentialsSchema.parse(JSON.parse(plaintext.toString('utf8')));
}
