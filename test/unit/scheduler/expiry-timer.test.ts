import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryTimer, MAX_TIMEOUT_MS } from '../../../src/scheduler/expiry-timer.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe('ExpiryTimer', () => {
  let due: number | null;
  let fired: number[];
  let timer: ExpiryTimer;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    due = null;
    fired = [];
  });
  afterEach(async () => {
    await timer?.stop();
    vi.useRealTimers();
  });

  function start(maxDelayMs = 60_000, fire: () => void = () => {}): ExpiryTimer {
    timer = new ExpiryTimer({
      now: () => Date.now(),
      nextDue: () => due,
      fire: () => {
        fired.push(Date.now());
        fire();
      },
      onError: () => {},
      maxDelayMs,
    });
    timer.arm();
    return timer;
  }

  it('fires exactly at the due instant, even when that is hours away (delay capped, re-checked)', async () => {
    due = T0 + 3 * 3_600_000 + 17;
    start(60_000, () => (due = null));
    await vi.advanceTimersByTimeAsync(3 * 3_600_000 + 16);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([T0 + 3 * 3_600_000 + 17]);
    expect(timer.status().armedFor).toBeNull();
  });

  it('wakes within the cap after the wall clock jumps past the due instant', async () => {
    due = T0 + 24 * 3_600_000;
    start(60_000, () => (due = null));
    vi.setSystemTime(T0 + 25 * 3_600_000); // the clock jumps; elapsed time does not
    await vi.advanceTimersByTimeAsync(59_999);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveLength(1);
  });

  it('never passes setTimeout a delay beyond 2^31-1 ms (which would fire at once)', async () => {
    due = T0 + 40 * 24 * 3_600_000;
    start(Number.POSITIVE_INFINITY);
    await vi.advanceTimersByTimeAsync(MAX_TIMEOUT_MS - 1);
    expect(fired).toEqual([]);
  });

  it('does not spin when a due instant stays due after firing', async () => {
    due = T0;
    start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fired).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(fired).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveLength(2);
  });

  it('re-arms for an earlier instant announced with rearmSoon', async () => {
    due = T0 + 10 * 60_000;
    start(Number.POSITIVE_INFINITY, () => (due = null));
    due = T0 + 5_000;
    timer.rearmSoon();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fired).toEqual([T0 + 5_000]);
  });

  it('stays quiet after stop', async () => {
    due = T0 + 1_000;
    start();
    await timer.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toEqual([]);
  });
});
