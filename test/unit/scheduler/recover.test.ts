import { afterEach, describe, expect, it } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { recoverOnStart, startScheduler } from '../../../src/scheduler/index.ts';
import { GatedProvider } from './gated-provider.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { alice, bob, carol } from '../../support/policy-fixture.ts';
import { auditOf, fileGrant, grantRow, M, person, recordingPort } from './support.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('recoverOnStart', () => {
  it('revokes what expired while the bot was down, awaited, with late_ms in the audit', async () => {
    h = createHarness();
    const ids = [await fileGrant(h, 5 * M, alice), await fileGrant(h, 10 * M, bob), await fileGrant(h, 14 * M, carol)];
    await h.worker.idle();
    h.clock.advance(12 * M); // down for twelve minutes
    const report = await recoverOnStart(h.ctx);
    expect(report.revokesStarted).toBe(2);
    expect(report.settled.revoked).toBe(2);
    expect(await Promise.all(ids.map(async (id) => (await grantRow(h, id)).status))).toEqual(['revoked', 'revoked', 'active']);
    expect([...h.provider.held.keys()]).toEqual([ids[2]]);
    const late = Object.fromEntries((await auditOf(h, 'grant.revoked')).map((e) => [e.grantId, e.details.late_ms]));
    expect(late).toEqual({ [ids[0]!]: 7 * M, [ids[1]!]: 2 * M });
    expect((await auditOf(h, 'grant.expired')).map((e) => e.details.reason)).toEqual(['noticed 420s after expiry', 'noticed 120s after expiry']);
  });

  it('resumes a grant and a revoke this instance had claimed when it died, and expires stale requests', async () => {
    h = createHarness({ instanceId: 'bot-a' });
    const granting = await fileGrant(h, 14 * M, alice);
    const revoking = await fileGrant(h, 14 * M, bob);
    await h.worker.idle();
    const pending = (await requestAccess(h.ctx, { roleName: 'writer', requester: carol, reason: 'x', ticket: 'INC-4', origin: 'test' })).view.id;
    // What a SIGKILL leaves behind: rows claimed with leases that are still valid.
    const until = h.clock.now() + 5 * M;
    await h.store.tx((uow) => uow.updateGrant(granting, {}, { status: 'granting', leaseOwner: 'bot-a', leaseUntil: until }));
    h.provider.held.delete(granting);
    await h.store.tx((uow) => uow.updateGrant(revoking, {}, { status: 'revoking', revokeReason: 'revoked early', leaseOwner: 'bot-a', leaseUntil: until }));
    // Restarted while those leases are still valid: with the same instance id it must not wait them out.
    h.clock.set(until - 1);
    const report = await recoverOnStart(h.ctx);
    expect(report.leasesReleased).toBe(2);
    expect((await grantRow(h, granting)).status).toBe('active');
    expect(h.provider.held.has(granting)).toBe(true);
    expect((await grantRow(h, revoking)).status).toBe('revoked');
    expect(h.provider.held.has(revoking)).toBe(false);
    expect((await h.store.getRequest(pending))!.status).toBe('pending');
    h.clock.advance(60 * M);
    expect((await recoverOnStart(h.ctx)).requestsExpired).toBe(1);
  });

  it('leaves a live lease of another replica alone', async () => {
    h = createHarness({ instanceId: 'bot-a' });
    const id = await fileGrant(h, 14 * M);
    await h.worker.idle();
    await h.store.tx((uow) => uow.updateGrant(id, {}, { status: 'revoking', revokeReason: 'revoked early', leaseOwner: 'bot-b', leaseUntil: h.clock.now() + M }));
    const report = await recoverOnStart(h.ctx);
    expect(report.leasesReleased).toBe(0);
    expect((await grantRow(h, id)).status).toBe('revoking');
    expect(h.provider.count('revoke')).toBe(0);
    h.clock.advance(M + 1);
    await recoverOnStart(h.ctx);
    expect((await grantRow(h, id)).status).toBe('revoked');
  });

  it('reconciles once: an orphan left at the target by a crash is revoked and reported', async () => {
    const port = recordingPort();
    h = createHarness({ ports: [port] });
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    h.clock.advance(10 * M);
    await recoverOnStart(h.ctx, { reconcile: false });
    expect((await grantRow(h, id)).status).toBe('revoked');
    h.provider.held.set(id, 0); // e.g. the revoke was undone at the target by a restore
    h.clock.advance(M);
    const report = await recoverOnStart(h.ctx);
    expect(report.reconcile?.providers[0]?.orphans).toEqual([{ grantId: id, knownAs: 'revoked', revoked: true, error: null }]);
    expect(h.provider.held.size).toBe(0);
    await h.worker.idle();
    expect(port.seen.some((n) => n.type === 'audit.alert' && n.code === 'orphan' && n.text.includes(id))).toBe(true);
  });

  it('catches up more than one batch of expired grants', async () => {
    h = createHarness();
    const roleReq = [...Array(250).keys()].map((i) => person(i));
    h.ctx.policy = {
      ...h.ctx.policy,
      roles: { ...h.ctx.policy.roles, readonly: { ...h.ctx.policy.roles.readonly!, requesters: new Set(roleReq.map((p) => p.email!)) } },
    };
    for (const p of roleReq) await fileGrant(h, 10 * M, p);
    await h.worker.idle();
    h.clock.advance(11 * M);
    const report = await recoverOnStart(h.ctx);
    expect(report.revokesStarted).toBe(250);
    const stats = await h.store.stats();
    expect(stats.grantsByStatus.revoked).toBe(250);
    expect(h.provider.held.size).toBe(0);
    expect(stats.pendingNotices + stats.deadNotices).toBe(0); // no chat platform: nothing was queued
  });

  it('does not hold up start-up on a hanging target: returns after waitMs, and the scheduler stop() waits for the rest', async () => {
    const provider = new GatedProvider();
    h = createHarness({ provider });
    const id = await fileGrant(h, 5 * M, alice);
    await h.worker.idle();
    const open = provider.hold('revoke');
    h.clock.advance(6 * M);
    const started = Date.now();
    const report = await recoverOnStart(h.ctx, { waitMs: 150 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report).toMatchObject({ revokesStarted: 1, settled: {}, inBackground: true, reconcile: null });
    expect(provider.startedCount('revoke')).toBe(1);

    const never = '0 0 0 1 1 *';
    const scheduler = startScheduler(h.ctx, { worker: h.worker, ports: () => [], sweepEvery: never, remindEvery: never, dispatchEvery: never, reconcileEvery: never });
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false); // still waiting for the catch-up's revoke
    expect((await grantRow(h, id)).status).toBe('revoking');
    open();
    await stopping;
    expect(await grantRow(h, id)).toMatchObject({ status: 'revoked', leaseOwner: null });
    expect(provider.startedCount('revoke')).toBe(1);
  });
});
