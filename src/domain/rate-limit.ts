/**
 * Abuse limits on filing requests (issue 12, item 8): a token bucket per person, and a cap on the requests a
 * person may have waiting for approval at once. Pure rules; the bucket's state lives in the store
 * (src/app/rate-limit.ts) so every replica draws from the same one.
 */

export interface RequestLimits {
  /** Requests one person may file back to back (the bucket's size). */
  burst: number;
  /** One more request is allowed every this many milliseconds (the bucket's refill). */
  refillEveryMs: number;
  /** Requests (access and extension) one person may have pending — awaiting approval — at once, across roles. */
  maxOpenRequests: number;
  /** Break-glass activations one person may file back to back: their own bucket, refilled at the same rate. */
  breakGlassBurst: number;
}

export const DEFAULT_LIMITS: RequestLimits = { burst: 5, refillEveryMs: 60_000, maxOpenRequests: 5, breakGlassBurst: 3 };

/**
 * A bucket as stored, in whole milliseconds (no drifting fractions): the instant at which it would be empty
 * again if nothing more were taken — the "theoretical arrival time" of the generic cell rate algorithm, which
 * behaves exactly as a token bucket of `size` tokens refilled one per `refillEveryMs`.
 */
export interface Bucket {
  tat: number;
}

export type TakeOutcome = { ok: true; bucket: Bucket } | { ok: false; retryInMs: number };

/** Take one token at `now`. A bucket never seen is full. A clock stepped back refills nothing. */
export function takeToken(bucket: Bucket | null, now: number, size: number, refillEveryMs: number): TakeOutcome {
  const tat = Math.max(bucket?.tat ?? now, now);
  const wait = tat - (size - 1) * refillEveryMs - now;
  if (wait > 0) return { ok: false, retryInMs: wait };
  return { ok: true, bucket: { tat: tat + refillEveryMs } };
}

/** The bucket's stored text, and back; an unreadable value counts as a full bucket (never locks anyone out for good). */
export function bucketText(bucket: Bucket): string {
  return JSON.stringify({ tat: bucket.tat });
}

export function parseBucket(text: string | null): Bucket | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as { tat?: unknown };
    return typeof value.tat === 'number' && Number.isSafeInteger(value.tat) ? { tat: value.tat } : null;
  } catch {
    return null;
  }
}
