import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, parseRetryAfter, retryDelayMs, signAccessbotPayload, verifyAccessbotSignature } from '../../../src/providers/webhook.ts';

describe('webhook backoff', () => {
  it('full jitter stays within [0, min(cap, 500·2^(n-1)))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const delay = retryDelayMs(attempt, null, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(Math.min(BACKOFF_CAP_MS, 500 * 2 ** (attempt - 1)));
      }),
    );
  });

  it('uses Retry-After when given, capped', () => {
    expect(retryDelayMs(1, 2000, () => 0)).toBe(2000);
    expect(retryDelayMs(1, 90_000, () => 0)).toBe(30_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 5, 9, 0, 0);
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('webhook signature', () => {
  it('verifies what it signs, within the tolerance, and nothing else', () => {
    const secret = 'whsec-0123456789abcdef';
    const body = '{"event":"grant"}';
    const sig = signAccessbotPayload(secret, 1_767_600_000, body);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyAccessbotSignature(secret, '1767600000', sig, body, 1_767_600_100)).toBe(true);
    expect(verifyAccessbotSignature(secret, '1767600000', sig, Buffer.from(body), 1_767_600_100)).toBe(true);
    expect(verifyAccessbotSignature(secret, '1767600000', sig, body, 1_767_600_301)).toBe(false);
    expect(verifyAccessbotSignature(secret, '1767600001', sig, body, 1_767_600_100)).toBe(false);
    expect(verifyAccessbotSignature(secret, '1767600000', sig, `${body} `, 1_767_600_100)).toBe(false);
    expect(verifyAccessbotSignature(secret, '1767600000', sig.toUpperCase(), body, 1_767_600_100)).toBe(false);
    expect(verifyAccessbotSignature(secret, null, sig, body, 1_767_600_100)).toBe(false);
    expect(verifyAccessbotSignature(secret, '1767600000', 'sha256=abc', body, 1_767_600_100)).toBe(false);
  });
});
