/**
 * Webhook signing (DESIGN §3): `X-Accessbot-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`
 * with `X-Accessbot-Timestamp: <unix seconds>`. `verifyAccessbotSignature` is the reference a receiver follows.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signAccessbotPayload(secret: string, timestampSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `sha256=${mac}`;
}

/** What one signed POST of accessbot's says; `headers` are extra ones (the signature and idempotency key win). */
export interface SignedPost {
  secret: string;
  timestampSeconds: number;
  /** The exact JSON text that is signed and sent. */
  body: string;
  userAgent: string;
  idempotencyKey: string;
  signal: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * The `fetch` init of every signed POST accessbot makes (provider webhook, runbook action webhook, expedite
 * hook, audit checkpoint sink), so that all of them sign the same way and none follows a redirect: following
 * one would resend the signed body to a place the policy never named (or, as a 303, drop it for a GET).
 * A 3xx therefore reaches the caller as an unsuccessful answer.
 */
export function signedPostInit(post: SignedPost): RequestInit {
  return { method: 'POST', headers: signedPostHeaders(post), body: post.body, redirect: 'manual', signal: post.signal };
}

/**
 * The headers of a signed POST, for a transport other than `fetch` (the provider webhook's keep-alive client,
 * which follows no redirect either).
 */
export function signedPostHeaders(post: Omit<SignedPost, 'signal'>): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': post.userAgent,
    ...post.headers,
    'x-accessbot-timestamp': String(post.timestampSeconds),
    'x-accessbot-signature': signAccessbotPayload(post.secret, post.timestampSeconds, post.body),
    'idempotency-key': post.idempotencyKey,
  };
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
