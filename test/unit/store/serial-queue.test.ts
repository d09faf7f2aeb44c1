/** The async mutex around the SQLite connection: one job at a time, in order, and a backlog never runs as one long task. */
import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../db/store/sql/serial-queue.ts';

describe('SerialQueue', () => {
  it('runs jobs one at a time, in arrival order, and passes on results and errors', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    const job = (name: string, fail = false) => async () => {
      expect(++running).toBe(1);
      log.push(`start ${name}`);
      await Promise.resolve();
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue.run(job('a')), queue.run(job('b', true)), queue.run(job('c'))]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('starts a job that waited on a later turn of the event loop, so work queued there (an incoming request) runs between jobs', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const job = (name: string) => async () => void log.push(name);
    const first = queue.run(async () => {
      log.push('a');
      setImmediate(() => log.push('request'));
    });
    const rest = [queue.run(job('b')), queue.run(job('c'))];
    await Promise.all([first, ...rest]);
    expect(log).toEqual(['a', 'request', 'b', 'c']);
  });

  it('starts a job at once when nothing is ahead of it', async () => {
    const queue = new SerialQueue();
    let started = false;
    const done = queue.run(async () => void (started = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toBe(true);
    await done;
  });
});
