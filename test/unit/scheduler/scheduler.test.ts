import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestAccess } from '../../../src/app/request-access.ts';
import { startScheduler, type Scheduler, type SchedulerDeps } from '../../../src/scheduler/index.ts';
import { ManualClock } from '../../../src/domain/clock.ts';
import type { Harness } from '../../support/core-harness.ts';
import { alice, bob } from '../../support/policy-fixture.ts';
import { auditOf, fakeTimeHarness, fileGrant, grantRow, M, recordingPort, T0, type RecordingPort } from './support.ts';

const NEVER = '0 0 0 1 1 *'; // once a year: keeps a job out of the way of the one under test

let h: Harness;
let scheduler: Scheduler | null;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  scheduler = null;
});
afterEach(async () => {
  await scheduler?.stop();
  await h?.close();
  vi.useRealTimers();
});

function start(deps: Partial<SchedulerDeps> = {}, ports: RecordingPort[] = []): Scheduler {
  const started = startScheduler(h.ctx, { worker: h.worker, ports: () => ports, ...deps });
  scheduler = started;
  // The test is the composition root here: ctx.afterCommit as src/main.ts composes it, the worker, then the scheduler.
  h.ctx.afterCommit = {
    grantChanged: (grantId) => {
      h.worker.grantChanged(grantId);
      started.grantChanged(grantId);
    },
    noticesQueued: () => h.worker.noticesQueued(),
  };
  return started;
}

async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  await h.worker.idle();
}

describe('precise expiry timer', () => {
  it('revokes at the expiry instant, not at the next sweep', async () => {
    h = fakeTimeHarness();
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    start({ sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER });
    await vi.advanceTimersByTimeAsync(0); // arming looks the next expiry up in the store
    const expiresAt = (await grantRow(h, id)).expiresAt;
    expect((await scheduler!.status()).timer.armedFor).toBe(expiresAt);

    await vi.advanceTimersByTimeAsync(expiresAt - Date.now() - 1);
    expect((await grantRow(h, id)).status).toBe('active');
    await vi.advanceTimersByTimeAsync(1);
    await h.worker.idle();
    const row = await grantRow(h, id);
    expect(row.status).toBe('revoked');
    expect(row.revokedAt).toBe(expiresAt);
    expect(h.provider.held.has(id)).toBe(false);
    expect((await auditOf(h, 'grant.revoked'))[0]?.details).toMatchObject({ late_ms: 0, late: false });
  });

  it('re-arms when a grant created after start expires earlier than the armed instant', async () => {
    h = fakeTimeHarness();
    await fileGrant(h, 14 * M, alice);
    await h.worker.idle();
    start({ sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER });
    await vi.advanceTimersByTimeAsync(0); // arming looks the next expiry up in the store
    expect((await scheduler!.status()).timer.armedFor).toBe(T0 + 14 * M);
    const early = await fileGrant(h, 2 * M, bob);
    await settle();
    expect((await scheduler!.status()).timer.armedFor).toBe(T0 + 2 * M);
    await vi.advanceTimersByTimeAsync(2 * M);
    await h.worker.idle();
    expect(await grantRow(h, early)).toMatchObject({ status: 'revoked', revokedAt: T0 + 2 * M });
  });

  it('after a wall-clock jump past the expiry, the next sweep revokes (the timer has not woken yet)', async () => {
    h = fakeTimeHarness();
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    start({ timerMaxDelayMs: 60_000 });
    await settle();
    vi.setSystemTime(T0 + 2 * 60 * M); // e.g. NTP correction or a resumed VM
    await vi.advanceTimersByTimeAsync(10_000); // two sweep periods, well inside the timer's 60 s cap
    await h.worker.idle();
    const row = await grantRow(h, id);
    expect(row.status).toBe('revoked');
    expect((await scheduler!.status()).timer.fires).toBe(0);
    const late = (await auditOf(h, 'grant.revoked'))[0]!.details.late_ms as number;
    expect(late).toBeGreaterThanOrEqual(110 * M);
    expect(late).toBeLessThanOrEqual(110 * M + 10_000);
    expect((await auditOf(h, 'grant.expired'))[0]!.details.reason).toMatch(/noticed \d+s after expiry/);
  });

  it('after a wall-clock jump with no sweep at all, the timer still catches it within its cap', async () => {
    h = fakeTimeHarness();
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    start({ sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER, timerMaxDelayMs: 30_000 });
    vi.setSystemTime(T0 + 60 * M);
    await vi.advanceTimersByTimeAsync(30_000);
    await h.worker.idle();
    expect((await grantRow(h, id)).status).toBe('revoked');
  });
});

describe('cron jobs', () => {
  it('sweep: lapses stale requests, retries a failed grant once its backoff passed', async () => {
    h = fakeTimeHarness();
    const pending = (await requestAccess(h.ctx, { roleName: 'writer', requester: alice, reason: 'x', ticket: 'INC-1', origin: 'test' })).view.id;
    h.provider.failNext('grant', 1);
    const id = await fileGrant(h, 10 * M, bob);
    await h.worker.idle();
    expect(await grantRow(h, id)).toMatchObject({ status: 'granting', attempts: 1 });
    start({ remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER, timerMaxDelayMs: 3_600_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    await h.worker.idle();
    expect((await grantRow(h, id)).status).toBe('active');
    expect(h.provider.count('grant')).toBe(2);

    await vi.advanceTimersByTimeAsync(60 * M); // request TTL is 1h
    expect((await h.store.getRequest(pending))!.status).toBe('expired');
    expect((await scheduler!.status()).jobs.sweep!.runs).toBeGreaterThan(700);
  });

  it('sweep: picks up a grant whose lease was held by a process that died', async () => {
    h = fakeTimeHarness();
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    // Simulate another replica that claimed the grant for a revoke and vanished.
    await h.store.tx((uow) => uow.updateGrant(id, {}, { status: 'revoking', revokeReason: 'revoked early', leaseOwner: 'dead-replica', leaseUntil: T0 + 30_000 }));
    start({ remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER });
    await vi.advanceTimersByTimeAsync(25_000);
    expect((await grantRow(h, id)).status).toBe('revoking');
    await vi.advanceTimersByTimeAsync(10_000);
    await h.worker.idle();
    expect((await grantRow(h, id)).status).toBe('revoked');
    expect(h.provider.count('revoke')).toBe(1);
  });

  it('reminders: one "expiring soon" notice five minutes before expiry', async () => {
    const port = recordingPort();
    h = fakeTimeHarness({ ports: [port] });
    const id = await fileGrant(h, 12 * M);
    await h.worker.idle();
    start({ dispatchEvery: NEVER, reconcileEvery: NEVER }, [port]);
    await vi.advanceTimersByTimeAsync(7 * M - 30_001);
    await h.worker.idle();
    expect(port.seen.filter((n) => n.type === 'grant.changed' && n.event === 'expiring_soon')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await h.worker.idle();
    expect(port.seen.filter((n) => n.type === 'grant.changed' && n.event === 'expiring_soon' && n.grantId === id)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2 * M);
    await h.worker.idle();
    expect(port.seen.filter((n) => n.type === 'grant.changed' && n.event === 'expiring_soon')).toHaveLength(1);
  });

  it('dispatch: delivers notices the worker could not, once chat is back', async () => {
    const port = recordingPort();
    h = fakeTimeHarness({ ports: [port] });
    port.failing = 2; // filed notice: first immediate attempt fails
    await fileGrant(h, 10 * M);
    await h.worker.idle();
    expect(port.seen).toHaveLength(0);
    start({ sweepEvery: NEVER, remindEvery: NEVER, reconcileEvery: NEVER }, [port]);
    await vi.advanceTimersByTimeAsync(60_000);
    await h.worker.idle();
    expect(port.seen.map((n) => n.type).sort()).toEqual(['grant.changed', 'request.filed']);
    expect((await h.store.stats()).pendingNotices).toBe(0);
  });

  it('reconcile: every 10 minutes, revokes an orphan at the target and alerts', async () => {
    const port = recordingPort();
    h = fakeTimeHarness({ ports: [port] });
    h.provider.held.set('orphan000001', T0 + 60 * M);
    start({ sweepEvery: NEVER, remindEvery: NEVER }, [port]);
    await vi.advanceTimersByTimeAsync(9 * M);
    expect(h.provider.held.has('orphan000001')).toBe(true);
    await vi.advanceTimersByTimeAsync(M);
    await h.worker.idle();
    expect(h.provider.held.has('orphan000001')).toBe(false);
    expect(port.seen.find((n) => n.type === 'audit.alert' && n.code === 'orphan')).toMatchObject({ text: expect.stringContaining('orphan000001') });
    expect((await auditOf(h, 'reconcile.orphan'))[0]).toMatchObject({ grantId: 'orphan000001', details: { revoked: true, known_as: null } });
  });

  it('digest: runs on the policy schedule in the policy timezone', async () => {
    vi.setSystemTime(Date.UTC(2026, 0, 5, 7, 59, 50)); // Monday 08:59:50 in Berlin (CET)
    h = fakeTimeHarness();
    h.ctx.policy = { ...h.ctx.policy, digest: { schedule: '0 9 * * 1-5' } };
    const onDigest = vi.fn(async () => {});
    start({ onDigest, sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(onDigest).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(onDigest).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(onDigest).toHaveBeenCalledTimes(1);
  });
});

describe('revoke retries while the target is down', () => {
  it('keeps retrying, alerts the audit channel, reports overdue, then records the eventual success', async () => {
    const port = recordingPort();
    h = fakeTimeHarness({ ports: [port] });
    h.ctx.retry = { ...h.ctx.retry, revokeBaseMs: 2_000, revokeCapMs: 20_000, revokeAlertAfter: 3 };
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    h.provider.failNext('revoke', 20);
    start({ reconcileEvery: NEVER }, [port]);
    await vi.advanceTimersByTimeAsync(10 * M);
    await h.worker.idle();
    expect((await grantRow(h, id)).status).toBe('revoking');

    await vi.advanceTimersByTimeAsync(70_000);
    await h.worker.idle();
    expect((await grantRow(h, id)).status).toBe('revoking');
    expect((await scheduler!.status()).revokeOverdue).toBe(1);
    expect(port.seen.some((n) => n.type === 'audit.alert' && n.code === 'revoke_overdue')).toBe(true);

    await vi.advanceTimersByTimeAsync(5 * M);
    await h.worker.idle();
    const row = await grantRow(h, id);
    expect(row.status).toBe('revoked');
    expect(h.provider.count('revoke')).toBe(21);
    expect(h.provider.held.has(id)).toBe(false);
    expect((await scheduler!.status()).revokeOverdue).toBe(0);
    const revoked = (await auditOf(h, 'grant.revoked'))[0]!.details;
    expect(revoked).toMatchObject({ attempts: 21, late: true });
    expect(revoked.late_ms as number).toBeGreaterThan(60_000);
    expect(port.seen.some((n) => n.type === 'grant.changed' && n.event === 'revoked')).toBe(true);
  });
});

describe('lifecycle', () => {
  it('stop() waits for an in-flight revoke, then no job runs again and a grant change arms nothing', async () => {
    h = fakeTimeHarness();
    const original = h.ctx.afterCommit;
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    h.provider.delayMs = 3_000;
    scheduler = startScheduler(h.ctx, { worker: h.worker, ports: () => [], reconcileEvery: NEVER });
    expect(h.ctx.afterCommit).toBe(original); // the scheduler never rewires the context; the composition root wires it once
    await vi.advanceTimersByTimeAsync(10 * M); // the revoke is now waiting on the slow target
    expect((await grantRow(h, id)).status).toBe('revoking');
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    await stopping;
    expect((await grantRow(h, id)).status).toBe('revoked');
    scheduler.grantChanged(id); // a late after-commit signal re-arms nothing once stopped
    const runs = (await scheduler!.status()).jobs.sweep!.runs;
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await scheduler!.status()).jobs.sweep!.runs).toBe(runs);
    expect(scheduler!.healthy()).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('healthy() turns false while the sweep is stuck on a hanging target, and recovers', async () => {
    h = fakeTimeHarness();
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    // Revoking and unclaimed: the sweep itself picks it up and waits on the target.
    await h.store.tx((uow) => uow.updateGrant(id, {}, { status: 'revoking', revokeReason: 'revoked early' }));
    h.provider.delayMs = 8 * M; // slow, but inside the executor's 10-minute per-call deadline
    start({ reconcileEvery: NEVER, stallAfterMs: 60_000 });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(scheduler!.healthy()).toBe(true);
    await vi.advanceTimersByTimeAsync(2 * M);
    expect(await scheduler!.status()).toMatchObject({ stalled: true, running: true });
    expect(scheduler!.healthy()).toBe(false);
    await vi.advanceTimersByTimeAsync(8 * M);
    await h.worker.idle();
    expect((await grantRow(h, id)).status).toBe('revoked');
    expect(scheduler!.healthy()).toBe(true);
  });

  it('refuses a bad cron expression before starting anything', () => {
    h = fakeTimeHarness();
    const original = h.ctx.afterCommit;
    expect(() => startScheduler(h.ctx, { worker: h.worker, ports: () => [], remindEvery: 'every minute' })).toThrow(/not a valid cron expression for the reminders job/);
    expect(h.ctx.afterCommit).toBe(original);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runOnce() does the periodic work now and waits for it', async () => {
    vi.useRealTimers();
    const port = recordingPort();
    h = fakeTimeHarness({ ports: [port] });
    const clock = new ManualClock();
    h.ctx.clock = clock;
    const id = await fileGrant(h, 10 * M);
    await h.worker.idle();
    clock.advance(11 * M);
    start({}, [port]);
    await scheduler!.runOnce();
    expect((await grantRow(h, id)).status).toBe('revoked');
    expect(port.seen.some((n) => n.type === 'grant.changed' && n.event === 'revoked')).toBe(true);
  });
});
