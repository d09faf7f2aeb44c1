import { afterEach, describe, expect, it, vi } from 'vitest';
import { SerialQueue } from '../../../db/store/sql/serial-queue.ts';

/** A synchronous job of `ms` milliseconds, like a better-sqlite3 transaction. */
const busy = (ms: number) => async (): Promise<void> => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* spin */
  }
};

describe('SerialQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs jobs one at a time, in arrival order, and passes results and errors through', async () => {
    const queue = new SerialQueue();
    const order: number[] = [];
    const runs = [1, 2, 3].map((n) => queue.run(async () => void order.push(n)));
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const after = queue.run(async () => 'after');
    await Promise.all(runs);
    await expect(failed).rejects.toThrow('boom');
    await expect(after).resolves.toBe('after');
    expect(order).toEqual([1, 2, 3]);
  });

  it('lets the event loop in between a backlog of synchronous jobs', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    const jobs = Array.from({ length: 20 }, (_, i) => queue.run(async () => {
      await busy(2)();
      order.push(`job${i}`);
    }));
    setImmediate(() => order.push('io'));
    await Promise.all(jobs);
    // Without the slice the 40 ms backlog runs as one task and the callback comes last.
    expect(order.indexOf('io')).toBeGreaterThan(0);
    expect(order.indexOf('io')).toBeLessThan(order.length - 1);
  });

  it('under fake timers, a backlog still runs to the end without the clock being advanced', async () => {
    vi.useFakeTimers();
    const queue = new SerialQueue();
    const done = await Promise.all(Array.from({ length: 10 }, (_, i) => queue.run(async () => i)));
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
