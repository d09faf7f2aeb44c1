/**
 * What happens while a provider call is in flight: the lease is renewed (no second replica calls the target at
 * the same time), a call that never answers costs an attempt and not the revoke, and a grant that lands at the
 * target after the grant ended is undone there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../../src/app/context.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { systemClock } from '../../../src/domain/clock.ts';
import { settleDueGrants } from '../../../src/scheduler/steps.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice } from '../../support/policy-fixture.ts';
import { eventually, GatedProvider } from './gated-provider.ts';
import { auditOf, fileGrant, grantRow, M } from './support.ts';

const harnesses: Harness[] = [];
const releases: Array<() => void> = [];
afterEach(async () => {
  for (const open of releases.splice(0)) open();
  for (const h of harnesses.splice(0)) await h.close();
});

function harness(options: Parameters<typeof createHarness>[0] = {}, limits: Partial<Pick<RetryPolicy, 'callTimeoutMs' | 'leaseMs' | 'grantMaxAttempts'>> = {}): Harness {
  const h = createHarness(options);
  h.ctx.retry = { ...h.ctx.retry, ...limits };
  harnesses.push(h);
  return h;
}

function hold(provider: GatedProvider, op: 'grant' | 'revoke', times = 1): () => void {
  const open = provider.hold(op, times);
  releases.push(open);
  return open;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a provider call that outlives the lease', () => {
  it('keeps its lease renewed: another replica never claims the grant and calls the target concurrently', async () => {
    const provider = new GatedProvider();
    const a = harness({ instanceId: 'replica-a', provider }, { leaseMs: 300 });
    const b = harness({ instanceId: 'replica-b', provider, dbPath: a.dbPath }, { leaseMs: 300 });
    a.ctx.clock = systemClock;
    b.ctx.clock = systemClock;
    const id = await fileGrant(a, 10 * M);
    await a.worker.idle();
    expect((await grantRow(a, id)).status).toBe('active');

    const open = hold(provider, 'revoke');
    await revokeAccess(a.ctx, { requestId: (await grantRow(a, id)).requestId, actor: alice });
    await eventually(() => provider.startedCount('revoke') === 1, 2_000, 'the revoke to reach the target');
    // Replica B sweeps for well over three lease lengths while A's call is still running.
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      await settleDueGrants(b.ctx);
      await sleep(40);
    }
    expect(provider.startedCount('revoke')).toBe(1);
    const row = await grantRow(a, id);
    expect(row).toMatchObject({ status: 'revoking', leaseOwner: 'replica-a' });
    expect(row.leaseUntil!).toBeGreaterThan(Date.now());

    open();
    await a.worker.idle();
    expect(await grantRow(a, id)).toMatchObject({ status: 'revoked', leaseOwner: null, leaseUntil: null });
    expect(provider.count('revoke')).toBe(1);
    expect(await auditOf(a, 'grant.revoked')).toHaveLength(1);
  });
});

describe('a provider call that never answers', () => {
  it('gives up the attempt at the deadline, releases the lease, and the retry revokes', async () => {
    const provider = new GatedProvider();
    const h = harness({ provider }, { callTimeoutMs: 200 });
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    hold(provider, 'revoke'); // the first revoke call hangs for good

    const started = Date.now();
    await revokeAccess(h.ctx, { requestId: (await grantRow(h, id)).requestId, actor: alice });
    await h.worker.idle(); // must not wait forever
    expect(Date.now() - started).toBeLessThan(2_000);
    const row = await grantRow(h, id);
    expect(row).toMatchObject({ status: 'revoking', attempts: 1, leaseOwner: null, leaseUntil: null });
    expect(row.lastError).toMatch(/did not answer within 200 ms/);
    expect((await auditOf(h, 'grant.revoke_failed'))[0]?.details).toMatchObject({ attempt: 1, will_retry: true });

    h.clock.advance(1_000); // past the backoff
    expect(await settleDueGrants(h.ctx)).toEqual({ revoked: 1 });
    expect((await grantRow(h, id)).status).toBe('revoked');
    expect(h.provider.held.has(id)).toBe(false);
  });

  it('a grant that answers after its deadline, once the grant was given up, is undone at the target', async () => {
    const provider = new GatedProvider();
    const h = harness({ provider }, { callTimeoutMs: 200, grantMaxAttempts: 1 });
    const open = hold(provider, 'grant');
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    expect(await grantRow(h, id)).toMatchObject({ status: 'failed' });
    expect((await grantRow(h, id)).lastError).toMatch(/did not answer/);

    open(); // the target finally creates the access
    await eventually(async () => (await auditOf(h, 'grant.undone_at_target')).length === 1, 2_000, 'the late grant to be undone');
    expect(provider.held.has(id)).toBe(false);
    expect(provider.calls.map((c) => c.op)).toEqual(['revoke', 'grant', 'revoke']); // cleanup, late landing, undo
    expect((await auditOf(h, 'grant.undone_at_target'))[0]!.details).toMatchObject({ revoked: true });
  });
});

describe('revoke while the grant is still being applied', () => {
  it('same process: the grant lands, loses the race, and is revoked right after', async () => {
    const provider = new GatedProvider();
    const h = harness({ provider });
    const open = hold(provider, 'grant');
    const id = await fileGrant(h, 10 * M);
    await eventually(() => provider.startedCount('grant') === 1, 2_000, 'the grant to reach the target');
    expect((await grantRow(h, id)).status).toBe('granting');
    await revokeAccess(h.ctx, { requestId: (await grantRow(h, id)).requestId, actor: alice, reason: 'not needed after all' });
    expect((await grantRow(h, id)).status).toBe('revoking');
    open();
    await h.worker.idle();
    expect(await grantRow(h, id)).toMatchObject({ status: 'revoked', leaseOwner: null });
    expect(provider.calls.map((c) => c.op)).toEqual(['grant', 'revoke']);
    expect(provider.held.has(id)).toBe(false);
    expect(await auditOf(h, 'grant.active')).toEqual([]);
    expect(await auditOf(h, 'grant.revoked')).toHaveLength(1);
  });

  it.each([
    ['revoked by another replica', { status: 'revoked' as const, leaseOwner: null, leaseUntil: null }],
    ['being revoked by another replica', { status: 'revoking' as const, leaseOwner: 'replica-b', leaseUntil: Date.now() + 10 * M }],
  ])('a grant that lands after it was %s is undone at the target', async (_label, takeover) => {
    const provider = new GatedProvider();
    const h = harness({ provider, instanceId: 'replica-a' });
    const open = hold(provider, 'grant');
    const id = await fileGrant(h, 10 * M);
    await eventually(() => provider.startedCount('grant') === 1, 2_000, 'the grant to reach the target');
    // This process stalled past its lease; replica B took the row over and revoked it at the (still empty) target.
    await h.store.tx((uow) =>
      uow.updateGrant(id, {}, { ...takeover, leaseUntil: takeover.leaseUntil === null ? null : h.clock.now() + 10 * M, revokeReason: 'revoked early', revokeRequestedAt: h.clock.now() }),
    );
    open(); // ...and only now does A's grant land
    await h.worker.idle();
    expect(provider.held.has(id)).toBe(false);
    expect(provider.calls.map((c) => c.op)).toEqual(['grant', 'revoke']);
    expect((await grantRow(h, id)).status).toBe(takeover.status); // B records its own transition; A only cleaned up
    expect(await auditOf(h, 'grant.undone_at_target')).toHaveLength(1);
    expect(await auditOf(h, 'grant.active')).toEqual([]);
  });
});
