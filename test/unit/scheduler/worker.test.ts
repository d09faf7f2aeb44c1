/** The worker applies committed transitions right away, but never more than its lanes at once, and each grant once at a time. */
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from '../../../src/app/worker.ts';
import { expiryStep } from '../../../src/scheduler/steps.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { RecordingProvider } from '../../support/recording-provider.ts';
import { fileGrant, grantRow, M, person } from './support.ts';

let h: Harness;
afterEach(async () => h?.close());

class CountingProvider extends RecordingProvider {
  inFlight = 0;
  maxInFlight = 0;
  override async revoke(target: Parameters<RecordingProvider['revoke']>[0]) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return await super.revoke(target);
    } finally {
      this.inFlight--;
    }
  }
}

describe('Worker', () => {
  it('revokes a burst of expiries with at most `concurrency` target calls in flight', async () => {
    const provider = new CountingProvider();
    h = createHarness({ provider });
    const people = Array.from({ length: 12 }, (_, i) => person(i));
    h.ctx.policy = { ...h.ctx.policy, roles: { ...h.ctx.policy.roles, readonly: { ...h.ctx.policy.roles.readonly!, requesters: new Set(people.map((p) => p.email!)) } } };
    const ids: string[] = [];
    for (const p of people) ids.push(await fileGrant(h, 10 * M, p));
    await h.worker.idle();
    const worker = new Worker([], { concurrency: 3 });
    worker.attach(h.ctx);
    h.ctx.afterCommit = worker;
    h.clock.advance(10 * M);
    expect((await expiryStep(h.ctx)).revokesStarted).toHaveLength(12);
    await worker.idle();
    expect(await Promise.all(ids.map(async (id) => (await grantRow(h, id)).status))).toEqual(Array(12).fill('revoked'));
    expect(provider.maxInFlight).toBe(3);
    expect(provider.count('revoke')).toBe(12);
    await worker.stop();
  });

  it('a grant announced several times (queued, and again while running) reaches the target once', async () => {
    h = createHarness();
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    const seen: string[] = [];
    const worker = new Worker([], { concurrency: 1 });
    const ctx = { ...h.ctx, afterCommit: worker };
    worker.attach(ctx);
    const original = h.provider.revoke.bind(h.provider);
    h.provider.revoke = async (target) => {
      seen.push(target.grantId);
      if (seen.length === 1) worker.grantChanged(id); // changed again while its revoke runs
      return original(target);
    };
    h.clock.advance(10 * M);
    await expiryStep(ctx); // announces it once
    worker.grantChanged(id);
    worker.grantChanged(id);
    await worker.idle();
    expect((await grantRow(h, id)).status).toBe('revoked');
    expect(seen).toEqual([id]); // the re-run found nothing left to do at the target
    await worker.stop();
    worker.grantChanged(id);
    expect(seen).toEqual([id]);
  });
});
