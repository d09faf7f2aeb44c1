/**
 * /healthz and /metrics over real HTTP (127.0.0.1) agree with the scheduler about overdue revokes: degraded
 * (200) while a revoke is overdue, ok again once it is done, down (503) once the scheduler stops.
 */
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueNotice } from '../../../src/app/outbox.ts';
import { revokeAccess } from '../../../src/app/revoke.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import { createHttpApp } from '../../../src/http/server.ts';
import { startScheduler, type Scheduler } from '../../../src/scheduler/index.ts';
import { createHarness, type Harness } from '../../support/core-harness.ts';
import { listenOnLoopback } from '../../support/listen.ts';
import { alice, bob } from '../../support/policy-fixture.ts';
import { fileGrant, grantRow, M } from '../../unit/scheduler/support.ts';

const NEVER = '0 0 0 1 1 *';

let h: Harness | null = null;
let scheduler: Scheduler | null = null;
let server: Server | null = null;
afterEach(async () => {
  await scheduler?.stop();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  await h?.close();
  h = scheduler = server = null;
});

async function serve(harness: Harness, sched: Scheduler): Promise<string> {
  const app = createHttpApp(harness.ctx, createMetrics(harness.ctx), () => sched.healthy());
  const listening = await listenOnLoopback(app);
  server = listening.server;
  return listening.base;
}

async function health(base: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/healthz`);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function overdueGauge(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('accessbot_revokes_overdue '));
  return Number(line?.split(' ')[1]);
}

describe('/healthz', () => {
  it('is degraded while revokes are overdue, counted the same way as scheduler.status() and /metrics', async () => {
    h = createHarness();
    const expiring = await fileGrant(h, 10 * M, alice);
    const early = await fileGrant(h, 14 * M, bob);
    await h.worker.idle();
    scheduler = startScheduler(h.ctx, { worker: h.worker, ports: () => [], sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER });
    const base = await serve(h, scheduler);
    expect(await health(base)).toEqual({ code: 200, body: { status: 'ok', db: 'ok', scheduler: 'running', revokes_overdue: 0, notices_undelivered: 0, policy: 'ok' } });

    // An early revoke the target keeps refusing: overdue a minute after it was asked for, long before expiry.
    h.provider.failNext('revoke', 1_000);
    await revokeAccess(h.ctx, { requestId: (await grantRow(h, early)).requestId, actor: bob });
    await h.worker.idle();
    h.clock.advance(61_000);
    let now = await health(base);
    expect(now).toMatchObject({ code: 200, body: { status: 'degraded', revokes_overdue: 1 } });
    expect((await scheduler.status()).revokeOverdue).toBe(1);
    expect(await overdueGauge(base)).toBe(1);

    // A grant past its expiry that nothing has revoked yet (no sweep ran) counts too.
    h.clock.advance(10 * M);
    expect((await grantRow(h, expiring)).status).toBe('active');
    now = await health(base);
    expect(now).toMatchObject({ code: 200, body: { status: 'degraded', revokes_overdue: 2 } });
    expect((await scheduler.status()).revokeOverdue).toBe(2);
    expect(await overdueGauge(base)).toBe(2);

    // The target recovers: one pass revokes both and health is ok again.
    h.provider.failures.length = 0;
    await scheduler.runOnce();
    expect([(await grantRow(h, expiring)).status, (await grantRow(h, early)).status]).toEqual(['revoked', 'revoked']);
    expect(await health(base)).toMatchObject({ code: 200, body: { status: 'ok', revokes_overdue: 0 } });
    expect(await overdueGauge(base)).toBe(0);
  });

  it('reports notices given up after a day, and is down (503) once the scheduler has stopped', async () => {
    h = createHarness();
    h.ctx.platforms = ['slack'];
    const ctx = h.ctx;
    await ctx.store.tx(async (uow) => {
      await enqueueNotice(uow, ctx, { type: 'audit.alert', code: 'drift', text: 'x' }, 'x');
      // Given up on (as after a day of failures), behind the bot's back.
      for (const id of await uow.dueNoticeIds(['slack'], ctx.clock.now(), 10)) await uow.updateNotice(id, {}, { status: 'dead' });
    });
    expect(await ctx.store.stats()).toMatchObject({ pendingNotices: 0, deadNotices: 1 });
    scheduler = startScheduler(h.ctx, { worker: h.worker, ports: () => [], sweepEvery: NEVER, remindEvery: NEVER, dispatchEvery: NEVER, reconcileEvery: NEVER });
    const base = await serve(h, scheduler);
    expect((await health(base)).body).toMatchObject({ status: 'ok', notices_undelivered: 1 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^accessbot_outbox_dead 1$/m);
    await scheduler.stop();
    expect(await health(base)).toMatchObject({ code: 503, body: { status: 'down', scheduler: 'stopped' } });
  });
});
