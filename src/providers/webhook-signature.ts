/**
 * Webhook signing (DESIGN §3): `X-Accessbot-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`
 * with `X-Accessbot-Timestamp: <unix seconds>`. `verifyAccessbotSignature` is the reference a receiver follows.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signAccessbotPayload(secret: string, timestampSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `sha256=${mac}`;
}

/**
 * True when the signature matches the raw body (exact bytes as received, before any JSON parsing) and the
 * timestamp lies within `toleranceSeconds` of `nowSeconds` (rejects replays of old requests).
 */
export function verifyAccessbotSignature(
  secret: string,
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  rawBody: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!timestampHeader || !signatureHeader || !/^\d{1,12}$/.test(timestampHeader)) return false;
  const timestamp = Number(timestampHeader);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const match = /^sha256=([0-9a-f]{64})$/.exec(signatureHeader);
  if (!match) return false;
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = createHmac('sha256', secret)
    .update(`${timestampHeader}.`, 'utf8')
    .update(body)
    .digest();
  return timingSafeEqual(expected, Buffer.from(match[1] as string, 'hex'));
}
