/**
 * The chat work budget: past its limit a request waits for a slot (in arrival order) and its sender with it, but
 * never longer than the longest wait, after which it starts anyway (the ack must still make Slack's 3 s). The Slack
 * middleware holds a slot until the listener has finished.
 */
import { describe, expect, it } from 'vitest';
import { withinWorkBudget } from '../../../adapters/slack/middleware.ts';
import { WorkBudget, type WaitOutcome } from '../../../src/chat/work-budget.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('WorkBudget', () => {
  it('starts requests at once below the limit; past it each waits for an end, first come first started', async () => {
    const outcomes: WaitOutcome[] = [];
    const budget = new WorkBudget({ limit: 2, maxWaitMs: 60_000 }, (outcome) => outcomes.push(outcome));
    const endA = await budget.enter();
    const endB = await budget.enter();
    expect(budget.inFlight).toBe(2);
    const started: string[] = [];
    const c = budget.enter().then((end) => (started.push('c'), end));
    const d = budget.enter().then((end) => (started.push('d'), end));
    await turns();
    expect(started).toEqual([]);
    endA();
    endA(); // a second call of the same end frees nothing more
    await turns();
    expect(started).toEqual(['c']);
    endB();
    await turns();
    expect(started).toEqual(['c', 'd']);
    expect(budget.inFlight).toBe(2);
    // A freed slot goes to the waiter, not to whoever arrives in the same turn.
    const endC = await c;
    const e = budget.enter().then((end) => (started.push('e'), end));
    endC();
    const late = budget.enter().then((end) => (started.push('late'), end));
    await turns();
    expect(started).toEqual(['c', 'd', 'e']);
    expect(budget.inFlight).toBe(2);
    (await e)();
    await turns();
    expect(started).toEqual(['c', 'd', 'e', 'late']);
    (await late)();
    (await d)();
    expect(budget.inFlight).toBe(0);
    expect(outcomes).toEqual(['slot', 'slot', 'slot', 'slot']);
  });

  it('starts a request anyway when no slot comes free within the longest wait, and says so', async () => {
    const outcomes: WaitOutcome[] = [];
    const budget = new WorkBudget({ limit: 1, maxWaitMs: 50 }, (outcome) => outcomes.push(outcome));
    const endA = await budget.enter();
    const started = Date.now();
    const endB = await budget.enter();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(outcomes).toEqual(['overran']);
    expect(budget.inFlight).toBe(2);
    // The one that overran left the queue: an end now frees a slot for the next arrival, not for it again.
    endA();
    endB();
    const endC = await budget.enter();
    expect(budget.inFlight).toBe(1);
    expect(outcomes).toEqual(['overran']);
    endC();
  });
});

type MiddlewareArgs = Parameters<ReturnType<typeof withinWorkBudget>>[0];
/** Only `next` is read by the middleware. */
const argsWith = (next: () => Promise<void>) => ({ next }) as unknown as MiddlewareArgs;

describe('the Slack work-budget middleware', () => {
  it('holds the slot until the listener chain has finished, so the next request (and its ack) waits for it', async () => {
    const middleware = withinWorkBudget(new WorkBudget({ limit: 1, maxWaitMs: 60_000 }));
    const firstListener = deferred();
    const ran: string[] = [];
    const call = (name: string, listener: Promise<void>) =>
      middleware(
        argsWith(async () => {
          ran.push(name);
          await listener;
        }),
      );
    const first = call('first', firstListener.promise);
    const second = call('second', Promise.resolve());
    await turns();
    expect(ran).toEqual(['first']);
    firstListener.resolve();
    await Promise.all([first, second]);
    expect(ran).toEqual(['first', 'second']);
  });

  it('frees the slot when a listener throws', async () => {
    const budget = new WorkBudget({ limit: 1, maxWaitMs: 60_000 });
    const middleware = withinWorkBudget(budget);
    const failing = middleware(argsWith(() => Promise.reject(new Error('listener failed'))));
    await expect(failing).rejects.toThrow('listener failed');
    expect(budget.inFlight).toBe(0);
  });
});
