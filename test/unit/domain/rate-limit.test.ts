import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.ts';
import { bucketText, parseBucket, takeToken, type Bucket } from '../../../src/domain/rate-limit.ts';

const M = 60_000;

/** Take tokens one after another on a fake clock, as the store would keep the bucket between takes. */
function bucketOn(clock: ManualClock, size: number, refillEveryMs: number) {
  let bucket: Bucket | null = null;
  return (): boolean | number => {
    const taken = takeToken(bucket, clock.now(), size, refillEveryMs);
    if (!taken.ok) return taken.retryInMs;
    bucket = parseBucket(bucketText(taken.bucket));
    return true;
  };
}

describe('the filing token bucket', () => {
  it('lets a burst through, then one more per refill period', () => {
    const clock = new ManualClock();
    const take = bucketOn(clock, 3, M);
    expect([take(), take(), take()]).toEqual([true, true, true]);
    expect(take()).toBe(M);
    clock.advance(20_000);
    expect(take()).toBe(40_000);
    clock.advance(40_000);
    expect(take()).toBe(true);
    expect(take()).toBe(M);
  });

  it('refills to its size and no further', () => {
    const clock = new ManualClock();
    const take = bucketOn(clock, 2, M);
    take();
    take();
    clock.advance(24 * 60 * M);
    expect([take(), take(), take()]).toEqual([true, true, M]);
  });

  it('refills nothing while the clock is stepped back', () => {
    const clock = new ManualClock();
    const take = bucketOn(clock, 1, M);
    expect(take()).toBe(true);
    clock.advance(-10 * M);
    expect(take()).toBe(11 * M);
    clock.advance(11 * M);
    expect(take()).toBe(true);
  });

  it('counts in whole milliseconds, so a third of a period three times is exactly one token', () => {
    const clock = new ManualClock();
    const take = bucketOn(clock, 3, M);
    for (let i = 0; i < 3; i++) take();
    for (let i = 0; i < 3; i++) {
      expect(take()).toBe(M - i * 20_000);
      clock.advance(20_000);
    }
    expect(take()).toBe(true);
  });

  it('treats an unreadable stored bucket as full rather than locking the person out', () => {
    expect(parseBucket('not json')).toBeNull();
    expect(parseBucket('{"tat":"x"}')).toBeNull();
    expect(takeToken(parseBucket('garbage'), 0, 2, M)).toEqual({ ok: true, bucket: { tat: M } });
  });
});
