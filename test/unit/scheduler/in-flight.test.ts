import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineExceeded, guardCall } from '../../../src/app/in-flight.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function later<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

describe('guardCall', () => {
  it('renews the lease while the call runs, then stops renewing and leaves no timer behind', async () => {
    const renew = vi.fn(() => true);
    const done = guardCall(() => later(1_000, 'ok'), { renew, renewEveryMs: 100, deadlineMs: 5_000, what: 'test call' });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(done).resolves.toBe('ok');
    expect(renew.mock.calls.length).toBeGreaterThanOrEqual(9);
    const renewals = renew.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(renew.mock.calls.length).toBe(renewals);
    expect(vi.getTimerCount()).toBe(0); // heartbeat and deadline cleared
  });

  it('rejects with DeadlineExceeded when the call never answers, and reports a late answer', async () => {
    const late = vi.fn();
    let finish: (value: string) => void = () => {};
    const done = guardCall(() => new Promise<string>((resolve) => (finish = resolve)), { renew: () => true, renewEveryMs: 100, deadlineMs: 2_000, what: 'orders-db (revoke of grant g1)', onLateSettle: late });
    const outcome = done.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(DeadlineExceeded);
    expect((error as Error).message).toBe('orders-db (revoke of grant g1) did not answer within 2 s; giving up on this attempt');
    expect(vi.getTimerCount()).toBe(0);
    expect(late).not.toHaveBeenCalled();
    finish('finally');
    await vi.advanceTimersByTimeAsync(0);
    expect(late).toHaveBeenCalledWith({ ok: true, value: 'finally' });
  });

  it('reports a lost lease once and keeps waiting for the call', async () => {
    const lost = vi.fn();
    let owned = true;
    const done = guardCall(() => later(1_000, 1), { renew: () => owned, renewEveryMs: 100, deadlineMs: 5_000, what: 'x', onLeaseLost: lost });
    await vi.advanceTimersByTimeAsync(250);
    owned = false;
    await vi.advanceTimersByTimeAsync(750);
    await expect(done).resolves.toBe(1);
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('passes the call’s own failure through', async () => {
    const done = guardCall(() => Promise.reject(new Error('refused')), { renew: () => true, renewEveryMs: 100, deadlineMs: 5_000, what: 'x' });
    await expect(done).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });
});
