/**
 * Passwords for ephemeral logins: 32 characters from a CSPRNG, sent to the server only as a SCRAM-SHA-256
 * verifier (what `psql \password` does), so the clear text never appears in statements or server logs.
 */
import { createHash, createHmac, pbkdf2, randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SCRAM_ITERATIONS = 4096;
const pbkdf2Async = promisify(pbkdf2);

/** Uniform over a 62-letter alphabet (~190 bits); URL-safe, so it can sit in a connection URL unescaped. */
export function generatePassword(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` as PostgreSQL stores it (RFC 5802/7677). */
export async function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const salted = await pbkdf2Async(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
